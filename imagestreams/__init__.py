"""imagestreams: OpenShift image streams (``image.openshift.io/v1``) without OpenShift."""

__all__ = ["__version__"]

__version__ = "0.1.0"
