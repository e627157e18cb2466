# Built-in pack `builtin:baseline`: what a reviewer asks of every environment.
# Each rule names its id (for `waivers`), a message and its public source in `rules`.
package platc.baseline

import rego.v1

rules := {
	"least-privilege": {
		"title": "no identity is granted Owner, Contributor or User Access Administrator",
		"source": "Microsoft cloud security benchmark PA-7 (just enough administration); PSRule Azure.RBAC.LimitOwner",
	},
	"no-key-vault-administrator": {
		"title": "Key Vault Administrator is discouraged: grant the data role the identity needs",
		"source": "Key Vault RBAC guide (least privilege per object type); Microsoft cloud security benchmark PA-7",
	},
	"aks-pinned-version": {
		"title": "clusters pin their Kubernetes version and keep an upgrade channel",
		"source": "AKS baseline architecture (cluster upgrades); PSRule Azure.AKS.Version, Azure.AKS.AutoUpgrade",
	},
	"aks-defender": {
		"title": "clusters run Microsoft Defender for Containers",
		"source": "Microsoft cloud security benchmark LT-1; PSRule Azure.AKS.DefenderProfile",
	},
	"vault-purge-protection": {
		"title": "Key Vaults keep purge protection on",
		"source": "Microsoft cloud security benchmark DP-8; PSRule Azure.KeyVault.PurgeProtect",
	},
}

broad_roles := {"Owner", "Contributor", "User Access Administrator"}

deny contains v if {
	some i, grant in input.grants
	grant.role in broad_roles
	v := {
		"rule": "least-privilege",
		"msg": sprintf("%s is granted `%s` on %s: grant the narrowest role that does the job", [grant.principal, grant.role, grant.scope]),
		"path": ["grants", i],
	}
}

warn contains v if {
	some i, grant in input.grants
	grant.role == "Key Vault Administrator"
	v := {
		"rule": "no-key-vault-administrator",
		"msg": sprintf("%s is granted `Key Vault Administrator` on %s: a data role (Secrets User, Crypto User, ...) is enough for an application", [grant.principal, grant.scope]),
		"path": ["grants", i],
	}
}

deny contains v if {
	some c, cluster in input.clusters
	cluster.kubernetes == null
	v := {
		"rule": "aks-pinned-version",
		"msg": sprintf("cluster `%s` does not pin its Kubernetes version: write `kubernetes = \"1.MINOR\"` with `upgrade_channel = patch`", [c]),
		"path": ["clusters", c, "kubernetes"],
	}
}

deny contains v if {
	some c, cluster in input.clusters
	cluster.kubernetes != null
	cluster.upgrade_channel == "none"
	v := {
		"rule": "aks-pinned-version",
		"msg": sprintf("cluster `%s` pins Kubernetes %s with no upgrade channel, so it falls out of support: use `upgrade_channel = patch`", [c, cluster.kubernetes]),
		"path": ["clusters", c, "upgrade_channel"],
	}
}

deny contains v if {
	some c, cluster in input.clusters
	cluster.defender == null
	v := {
		"rule": "aks-defender",
		"msg": sprintf("cluster `%s` runs without Microsoft Defender for Containers: set `defender = logs.NAME`", [c]),
		"path": ["clusters", c],
	}
}

deny contains v if {
	some name, vault in input.vaults
	vault.purge_protection == false
	v := {
		"rule": "vault-purge-protection",
		"msg": sprintf("vault `%s` can be purged while soft-deleted, its secrets and keys lost for good: keep `purge_protection = true`", [name]),
		"path": ["vaults", name, "purge_protection"],
	}
}
