"""Example jobs and manifests shipped with scurry (the quickstart uses them)."""
