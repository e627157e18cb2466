# Built-in pack `builtin:production`: what a reviewer asks of a production environment.
# An environment is production when its name says so (`prod`, `production`, `prd`, alone or
# as a part such as `eu-prod`); the defaults, and every other environment, are not judged here.
# Each rule names its id (for `waivers`), a message and its public source in `rules`.
package platc.production

import rego.v1

rules := {
	"aks-system-pool-ha": {
		"title": "production system pools run at least three nodes across zones 1, 2 and 3",
		"source": "AKS baseline architecture (system node pool); PSRule Azure.AKS.MinNodeCount, Azure.AKS.AvailabilityZone",
	},
	"aks-sla-tier": {
		"title": "production clusters have the Standard or Premium tier (uptime SLA)",
		"source": "Azure Well-Architected, AKS reliability; PSRule Azure.AKS.UptimeSLA",
	},
	"storage-zone-redundant": {
		"title": "production storage is zone-redundant (ZRS or GZRS)",
		"source": "Azure Well-Architected, Storage reliability; PSRule Azure.Storage.UseReplication",
	},
	"vault-private": {
		"title": "production Key Vaults take no public traffic",
		"source": "Microsoft cloud security benchmark NS-2; PSRule Azure.KeyVault.Firewall",
	},
	"registry-private": {
		"title": "production container registries take no public traffic",
		"source": "Microsoft cloud security benchmark NS-2; PSRule Azure.ACR.Firewall",
	},
	"storage-private": {
		"title": "production storage accounts take no public traffic",
		"source": "Microsoft cloud security benchmark NS-2; PSRule Azure.Storage.Firewall",
	},
	"appconfig-private": {
		"title": "production App Configuration stores take no public traffic",
		"source": "Microsoft cloud security benchmark NS-2; PSRule Azure.AppConfig.DisableLocalAuth and private endpoints guidance",
	},
	"aks-private-cluster": {
		"title": "production clusters have a private API server",
		"source": "AKS baseline architecture; Microsoft cloud security benchmark NS-2; PSRule Azure.AKS.AuthorizedIPs",
	},
	"aks-policy-deny": {
		"title": "production clusters enforce an Azure Policy initiative (effect deny)",
		"source": "AKS baseline architecture (Azure Policy); PSRule Azure.AKS.AzurePolicyAddOn",
	},
	"secret-expiry": {
		"title": "production secrets expire within 90 days",
		"source": "Microsoft cloud security benchmark DP-6 (key and secret lifecycle); PSRule Azure.KeyVault.SecretExpiry",
	},
}

production if {
	is_string(input.environment)
	regex.match(`(^|[-_.])(prod|production|prd)($|[-_.])`, lower(input.environment))
}

nodes(pool) := pool.count if is_number(pool.count)

nodes(pool) := pool.autoscale.min if is_object(pool.autoscale)

size_field(pool) := "count" if is_number(pool.count)

size_field(pool) := "autoscale" if not is_number(pool.count)

deny contains v if {
	production
	some c, cluster in input.clusters
	some p, pool in cluster.pools
	pool.mode == "system"
	nodes(pool) < 3
	v := {
		"rule": "aks-system-pool-ha",
		"msg": sprintf("system pool `%s` of cluster `%s` runs %d node(s); production runs at least 3", [p, c, nodes(pool)]),
		"path": ["clusters", c, "pools", p, size_field(pool)],
	}
}

deny contains v if {
	production
	some c, cluster in input.clusters
	some p, pool in cluster.pools
	pool.mode == "system"
	{z | some z in pool.zones} != {1, 2, 3}
	v := {
		"rule": "aks-system-pool-ha",
		"msg": sprintf("system pool `%s` of cluster `%s` is in zones %v; production spreads it over zones 1, 2 and 3", [p, c, pool.zones]),
		"path": ["clusters", c, "pools", p, "zones"],
	}
}

deny contains v if {
	production
	some c, cluster in input.clusters
	not cluster.sku_tier in {"standard", "premium"}
	v := {
		"rule": "aks-sla-tier",
		"msg": sprintf("cluster `%s` has the `%s` tier, without an uptime SLA; production uses `standard` or `premium`", [c, cluster.sku_tier]),
		"path": ["clusters", c, "sku_tier"],
	}
}

deny contains v if {
	production
	some s, storage in input.storages
	not storage.replication in {"zrs", "gzrs"}
	v := {
		"rule": "storage-zone-redundant",
		"msg": sprintf("storage `%s` keeps its data as `%s`, lost with one zone; production uses `zrs` or `gzrs`", [s, storage.replication]),
		"path": ["storages", s, "replication"],
	}
}

# Each public resource of a kind that can sit behind a private endpoint: its collection, and
# its kind (which names its rule) and name.
public contains ["vaults", "vault", name] if {
	some name, r in input.vaults
	r.private == false
}

public contains ["registries", "registry", name] if {
	some name, r in input.registries
	r.private == false
}

public contains ["storages", "storage", name] if {
	some name, r in input.storages
	r.private == false
}

public contains ["appconfigs", "appconfig", name] if {
	some name, r in input.appconfigs
	r.private == false
}

deny contains v if {
	production
	some [collection, kind, name] in public
	v := {
		"rule": sprintf("%s-private", [kind]),
		"msg": sprintf("%s `%s` is reachable from the internet; production reaches it through a private endpoint (`private = true`)", [kind, name]),
		"path": [collection, name, "private"],
	}
}

deny contains v if {
	production
	some c, cluster in input.clusters
	cluster.private_cluster == false
	v := {
		"rule": "aks-private-cluster",
		"msg": sprintf("cluster `%s` has a public API server; production makes it private (`private_cluster = true`)", [c]),
		"path": ["clusters", c, "private_cluster"],
	}
}

deny contains v if {
	production
	some c, cluster in input.clusters
	not enforced(cluster)
	v := {
		"rule": "aks-policy-deny",
		"msg": sprintf("cluster `%s` does not enforce an Azure Policy initiative; production uses `extension azure_policy { effect = deny }`", [c]),
		"path": ["clusters", c, "extensions", "azure_policy", "effect"],
	}
}

enforced(cluster) if {
	cluster.extensions.azure_policy.effect == "deny"
	cluster.extensions.azure_policy.baseline != "none"
}

deny contains v if {
	production
	some s, secret in input.secrets
	secret.expires_after_days > 90
	v := {
		"rule": "secret-expiry",
		"msg": sprintf("secret `%s` expires after %d days; production secrets expire within 90", [s, secret.expires_after_days]),
		"path": ["secrets", s, "expires_after_days"],
	}
}
