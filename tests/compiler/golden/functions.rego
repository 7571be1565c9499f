# Functions: constant arguments (rule indexing), facts, defaults, pure results kept across queries.
package golden.functions

import rego.v1

suffix("Ki") := 1024

suffix("Mi") := 1048576

suffix(s) := 1 if not endswith(s, "i")

default scale(_) := 0

scale(q) := n * m if {
	some unit in ["Ki", "Mi"]
	endswith(q, unit)
	n := to_number(trim_suffix(q, unit))
	m := suffix(unit)
}

# reads input: not pure, so its results are kept for one query only
tagged(x) := sprintf("%s/%s", [input.prefix, x])

# prints: never memoised
noisy(x) := x if print("noisy", x)

total := scale(input.size)

label := tagged(noisy("app"))
