# A small admission policy: every container image must come from an allowed registry.
package kubernetes.admission

import rego.v1

default allow := false

allowed_registries := {"registry.example.com/", "ghcr.io/acme/"}

allow if count(violations) == 0

violations contains msg if {
	some container in input.request.object.spec.containers
	not allowed_image(container.image)
	msg := sprintf("container %q uses image %q from an untrusted registry", [container.name, container.image])
}

allowed_image(image) if {
	some prefix in allowed_registries
	startswith(image, prefix)
}
