//! Synthetic platforms of any size, for benchmarks and generated-program tests. At scale `n`: `n`
//! clusters with 3 pools each, `2n` identities with 3 federations and 2 grants each, `10n` secrets,
//! `50n` config keys (every fifth with labels) and `5n` feature flags, spread over one Key Vault and
//! one App Configuration store per cluster.

use std::fmt::Write;

pub fn platform(n: usize) -> String {
    let n = n.max(1);
    let mut s = String::with_capacity(n * 6_000);
    let _ = writeln!(
        s,
        "// A synthetic platform at scale {n}.\nplatform \"synthetic\" {{\n  location = env(\"AZURE_LOCATION\")\n  private_networking = false\n}}\n\nlogs \"ops\" {{ retention_days = 30 }}\nmetrics \"prom\" {{ grafana = true }}\nregistry \"images\" {{ sku = premium }}\n"
    );
    for c in 0..n {
        let _ = writeln!(
            s,
            "/// Cluster {c} of {n}.
cluster \"c{c}\" {{
  kubernetes = \"1.33\"
  registry = registry.images
  network {{ dataplane = cilium  policy = cilium }}
  pool \"system\" {{ vm_size = \"Standard_D4ds_v5\"  mode = system  count = 3  zones = [1, 2, 3] }}
  pool \"apps\" {{ vm_size = \"Standard_D8ds_v5\"  autoscale = 2..10  zones = [1, 2, 3] }}
  pool \"batch\" {{ vm_size = \"Standard_D16ds_v5\"  autoscale = 0..20  taints = [\"batch=true:NoSchedule\"] }}
  monitoring {{ logs = logs.ops  metrics = metrics.prom }}
  extension flux
  extension app_config_provider
  extension keyvault_csi {{ rotation = 2m }}
  extension istio {{ revision = \"asm-1-27\"  ingress = external }}
  extension azure_policy
  extension prometheus
  gitops \"platform\" {{
    source = git(\"https://github.com/contoso/platform-gitops\", branch = \"main\")
    kustomization \"infra\" {{ path = \"./clusters/c{c}/infra\" }}
    kustomization \"apps\" {{ path = \"./clusters/c{c}/apps\"  depends_on = [\"infra\"] }}
  }}
}}

vault \"v{c}\" {{ }}
appconfig \"a{c}\" {{ }}
"
        );
        for k in 0..10 {
            let _ = writeln!(
                s,
                "secret \"s{c}-{k}\" in vault.v{c} {{ value = secure(\"SECRET_{c}_{k}\") }}"
            );
        }
        for k in 0..50 {
            if k % 5 == 0 {
                let _ = writeln!(
                    s,
                    "config \"svc{c}:key{k}\" in appconfig.a{c} {{ value = \"v{k}\"  labels = {{ prod = \"p{k}\", test = \"t{k}\" }} }}"
                );
            } else {
                let _ = writeln!(
                    s,
                    "config \"svc{c}:key{k}\" in appconfig.a{c} {{ value = \"v{k}\" }}"
                );
            }
        }
        for k in 0..5 {
            let _ = writeln!(
                s,
                "feature \"f{c}-{k}\" in appconfig.a{c} {{ enabled = {}  labels = {{ prod = true }} }}",
                k % 2 == 0
            );
        }
        for i in 0..2 {
            let _ = writeln!(
                s,
                "identity \"w{c}-{i}\" {{
  federate \"ns{i}/sa-a\" on cluster.c{c}
  federate \"ns{i}/sa-b\" on cluster.c{c}
  federate \"azappconfig-system/provider-{i}\" on cluster.c{c}
  grant \"Key Vault Secrets User\" on vault.v{c}
  grant \"App Configuration Data Reader\" on appconfig.a{c}
}}"
            );
        }
    }
    s
}
