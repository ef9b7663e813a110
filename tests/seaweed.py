"""The SeaweedFS S3 server the tests start (the cluster's own launcher)."""

from server.cluster.seaweed import SeaweedS3

__all__ = ["SeaweedS3"]
