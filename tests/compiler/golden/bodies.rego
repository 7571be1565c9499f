# Bodies: negation with and without loops, comprehensions, every, walk, unification, with.
package golden.bodies

import rego.v1

# `not` over a body that cannot loop is tested inline
untrusted contains image if {
	some image in input.images
	not startswith(image, "registry.example.com/")
}

# `not` over an expression with `with` (which may loop) stops at its first solution, in a function
guests contains name if {
	some name, _ in input.groups
	not allow_admin with input.user as name
}

names := [n | some c in input.containers; n := c.name]

unique := {n | some c in input.containers; n := c.name}

by_name := {n: c | some c in input.containers; n := c.name}

all_small if {
	every c in input.containers {
		c.size < 10
	}
}

leaves contains [path, value] if {
	walk(input.tree, [path, value])
	not is_object(value)
	not is_array(value)
}

pairs contains x if {
	[x, "b"] = input.pair
}

mocked := y if {
	y := count(input.containers) with count as 42
}

as_admin if {
	allow_admin with input as {"user": "admin"}
}

allow_admin if input.user == "admin"

strict_mode := mode if {
	mode := data.config.mode with data.config.mode as "strict"
}
