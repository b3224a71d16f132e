"""tenant-wizard: the guided way to render and update projects from this template."""
