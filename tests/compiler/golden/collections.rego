# Partial sets and objects, ref heads, multi-value rules, shared prefixes, documents.
package golden.collections

import rego.v1

# two definitions that start with the same expression evaluate it once
violation contains msg if {
	container := input.spec.containers[_]
	not container.resources.limits.cpu
	msg := sprintf("%v has no cpu limit", [container.name])
}

violation contains msg if {
	container := input.spec.containers[_]
	not container.resources.limits.memory
	msg := sprintf("%v has no memory limit", [container.name])
}

images[name] := image if {
	some c in input.spec.containers
	name := c.name
	image := c.image
}

ports[name] contains port if {
	some c in input.spec.containers
	name := c.name
	some p in c.ports
	port := p.containerPort
}

# a ref head with a ground prefix: data.golden.collections.by.kind.<kind>
by.kind[k] := n if {
	some k, n in input.counts
}

by.total := count(input.counts)
