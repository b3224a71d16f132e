"""The example resource: a tenant's orders. Replace it with your own."""
