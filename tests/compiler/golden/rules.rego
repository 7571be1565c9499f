# Complete rules, else chains, defaults and conflicts.
package golden.rules

default allow := false

allow if input.user == "admin"

allow if {
	some role in input.roles
	role == "root"
}

# an else chain of constants: each branch stops at its first solution
level := "high" if {
	input.score > 90
} else := "medium" if {
	input.score > 50
} else := "low"

# values computed in a loop: every value is checked for a conflict
owner := name if {
	some name in input.owners
}

# a fact: written into the group's function, no definition function
limits := {"cpu": 2, "memory": "1Gi"}

# reads base data
region := data.config.region
