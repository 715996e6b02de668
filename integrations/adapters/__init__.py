"""Platform adapter layer: one interface (base.PlatformAdapter), one module per platform."""
