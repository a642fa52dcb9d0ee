"""`scurry operator`: the controller on the Kubernetes API, fed by kopf's watches."""
