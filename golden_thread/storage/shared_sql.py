"""SQL fragments more than one query module reads, so that they say the same thing everywhere."""

# Every aim a project's links reach, directly or through a change idea or driver of the aim's diagram
# (any version): (project_id, aim_id, is_primary). One definition for every query that asks "which
# aims does this work serve?", so the home page, measures, checks and alignment can never disagree.
PROJECT_AIM = """
    SELECT DISTINCT pl.project_id, coalesce(pl.aim_id, dd.aim_id) AS aim_id, pl.is_primary
    FROM project_link pl
    LEFT JOIN change_idea ci ON ci.id = pl.change_idea_id
    LEFT JOIN driver d ON d.id = pl.driver_id
    LEFT JOIN driver_diagram_version v ON v.id = coalesce(ci.version_id, d.version_id)
    LEFT JOIN driver_diagram dd ON dd.id = v.diagram_id
"""
