// django-celery-beat's periodic-task admin form: show the chosen crontab in words under the
// field ("Translation: At 04:00 AM"), as its inline script did (templates/admin/djcelery/).
(function () {
  "use strict";
  var data = document.getElementById("readable-crontabs");
  if (!data || !window.django || !django.jQuery) {
    return;
  }
  var $ = django.jQuery;
  var readable = JSON.parse(data.textContent);
  var help = $(".field-crontab .help");
  var original = help.text();
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var words = readable[$("#id_crontab").val()] || "";
    help.empty().append(document.createTextNode(original));
    help.append("<br>").append(document.createTextNode("Translation: " + words));
  });
})();
