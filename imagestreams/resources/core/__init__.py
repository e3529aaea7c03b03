"""The Kubernetes kinds the image system talks to, stored generically."""
