"""lineage: upstream/downstream walks over OpenLineage events, late-upstream detection, blast radius."""
