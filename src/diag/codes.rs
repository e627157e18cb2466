//! The registry of diagnostic codes. Code, severity, title and explanation are declared together so
//! they cannot drift; `spec.md` lists the same table and a test keeps the two equal.

use super::Severity;

macro_rules! codes {
    ($( $name:ident = $code:literal, $sev:ident, $title:literal, $explain:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code),* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$sev),* }
            }
            pub fn title(self) -> &'static str {
                match self { $(Code::$name => $title),* }
            }
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$name => $explain),* }
            }
            pub fn parse(s: &str) -> Option<Code> {
                let s = s.to_ascii_uppercase();
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

codes! {
    Syntax = "E0001", Error, "syntax error",
        "The file does not follow the grammar, or is not UTF-8 text. The message names what was \
         written and how the language writes it: a version or a range from another language \
         (`1.35`, `2-10`), a duration with a space or a unit the language lacks (`30 d`, `1y`), \
         single quotes, a missing comma, a block never closed (reported where its `}` belongs).\n\nFailing:\n    vault \"secrets\" { sku = }\n\nFix: give the field a value:\n    vault \"secrets\" { sku = standard }";
    BadEscape = "E0002", Error, "invalid string escape",
        "Strings accept the escapes \\\\, \\\", \\n, \\t and \\u{HEX}.\n\nFailing:\n    path = \"C:\\dir\"\n\nFix:\n    path = \"C:\\\\dir\"";
    NumberTooLarge = "E0003", Error, "number out of range",
        "Integers must fit in a signed 64-bit number, and IP octets in 0..=255.\n\nFailing:\n    count = 99999999999999999999\n\nFix: use a realistic value.";
    UnknownKind = "E0101", Error, "unknown declaration kind",
        "Every block starts with a kind the language knows at that place: `platform`, `network`, `logs`, \
         `metrics`, `registry`, `vault`, `appconfig`, `storage`, `identity`, `cluster`, `secret`, \
         `config` or `feature` at the top level, and the nested kinds that spec.md lists for each.\n\n\
         Failing:\n    clustr \"main\" { }\n\nFix:\n    cluster \"main\" { }";
    UnknownField = "E0102", Error, "unknown field",
        "The field does not exist on this kind of declaration. The help lists the fields that do.\n\n\
         Failing:\n    vault \"secrets\" { purge = true }\n\nFix:\n    vault \"secrets\" { purge_protection = true }";
    TypeMismatch = "E0103", Error, "wrong value type",
        "The value has a different type from the one the field takes.\n\nFailing:\n    pool \"system\" { count = \"3\" }\n\nFix:\n    pool \"system\" { count = 3 }";
    MissingField = "E0104", Error, "missing required field",
        "The declaration lacks a field that has no default.\n\nFailing:\n    pool \"system\" { count = 3 }\n\nFix:\n    pool \"system\" { vm_size = \"Standard_D4ds_v5\"  count = 3 }";
    Duplicate = "E0105", Error, "duplicate name",
        "Two declarations of the same kind (or two fields of one block, or two items of a list) share \
         a name, or have names that differ only in case or punctuation (`git-ops` and `gitops`). \
         Names identify declarations in references and in the generated resource names, which \
         Azure compares without case and, for storage and registries, without punctuation.\n\nFailing:\n    vault \"secrets\" { }\n    vault \"secrets\" { }\n\nFix: rename or remove one of them.";
    UnknownValue = "E0106", Error, "unknown enum value",
        "The word is not one of the values the field allows; the help lists them.\n\nFailing:\n    registry \"images\" { sku = premum }\n\nFix:\n    registry \"images\" { sku = premium }";
    Unresolved = "E0107", Error, "unresolved reference",
        "A reference `kind.name` names no declaration.\n\nFailing:\n    grant \"AcrPull\" on registry.imgs\n\nFix: reference a declared name:\n    grant \"AcrPull\" on registry.images";
    WrongKind = "E0108", Error, "reference to the wrong kind",
        "The field takes a reference to another kind of declaration.\n\nFailing:\n    monitoring { logs = metrics.prom }\n\nFix:\n    monitoring { logs = logs.ops }";
    BadLabel = "E0109", Error, "missing or unexpected block name",
        "Some blocks are named (`vault \"secrets\"`), others are not (`network { }` inside a cluster).\n\n\
         Failing:\n    vault { }\n\nFix:\n    vault \"secrets\" { }";
    OutOfRange = "E0110", Error, "value out of range",
        "The number, duration or range lies outside what the field allows; the message gives the \
         bounds and the fix the nearest allowed value.\n\nFailing:\n    logs \"ops\" { retention_days = 3 }\n\nFix:\n    logs \"ops\" { retention_days = 30 }";
    Cycle = "E0111", Error, "dependency cycle",
        "Kustomizations that depend on each other in a circle can never become ready.\n\nFailing:\n    kustomization \"a\" { path = \"a\"  depends_on = [\"b\"] }\n    kustomization \"b\" { path = \"b\"  depends_on = [\"a\"] }\n\nFix: remove one of the dependencies.";
    UnknownRole = "E0112", Error, "unknown role",
        "`grant` takes the name of an Azure built-in role that platc knows; the help lists the closest.\n\n\
         Failing:\n    grant \"Key Vault Secret User\" on vault.secrets\n\nFix:\n    grant \"Key Vault Secrets User\" on vault.secrets";
    BadFunction = "E0113", Error, "unknown function or bad arguments",
        "Values can be computed only by the functions the language defines: `env`, `secure`, `git` and `blob`.\n\n\
         Failing:\n    location = environment(\"AZURE_LOCATION\")\n\nFix:\n    location = env(\"AZURE_LOCATION\")";
    MissingPlatform = "E0114", Error, "missing or repeated platform block",
        "A program has exactly one `platform` block: it names the platform and sets its location.\n\n\
         Fix:\n    platform \"contoso\" { location = env(\"AZURE_LOCATION\") }";
    Conflict = "E0115", Error, "conflicting fields",
        "Two fields say contradictory things, or exactly one of a pair must be given: a pool takes \
         `count` or `autoscale`, a config entry `value` or `secret`; a cluster's `kubernetes` version \
         must not be one its `upgrade_channel` moves past (`stable` and `rapid` take no version, \
         `patch` only `1.MINOR`), since AKS refuses the downgrade the next provision would ask for.\n\n\
         Failing:\n    pool \"apps\" { vm_size = \"Standard_D4ds_v5\"  count = 3  autoscale = 2..10 }\n\n\
         Fix: keep one:\n    pool \"apps\" { vm_size = \"Standard_D4ds_v5\"  autoscale = 2..10 }";
    BadImport = "E0116", Error, "import cycle or unreadable import",
        "`import \"path.plat\"` reads another file of the program, relative to the importing file. The \
         file must exist, be a .plat file, and not import (directly or through others) the file that \
         imports it.\n\n\
         Failing:\n    // a.plat\n    import \"b.plat\"\n    // b.plat\n    import \"a.plat\"\n\n\
         Fix: keep imports one-way; put what both need in a third file.";
    LiteralSecret = "E0201", Error, "literal secret value",
        "A secret's value would end up in the Bicep, the deployment history and the repository. Secrets \
         come only from secure parameters that azd fills from its environment.\n\n\
         Failing:\n    secret \"db-password\" in vault.secrets { value = \"hunter2\" }\n\n\
         Fix:\n    secret \"db-password\" in vault.secrets { value = secure(\"DB_PASSWORD\") }\nthen `azd env set DB_PASSWORD ...`.";
    BadName = "E0202", Error, "generated name breaks an Azure naming rule",
        "platc derives each Azure name from a prefix, the declaration's name and a 13-character token \
         unique to the subscription, environment and location. The final name must meet the resource \
         type's rules (length, characters); the message shows the name and the rule. Names Kubernetes \
         sees (node pools, GitOps configurations and kustomizations, containers) follow its rules: \
         lowercase letters, digits and hyphens.\n\n\
         Failing:\n    vault \"platform-secrets\" { }    // kv-platform-secrets-<13> is 33 > 24 characters\n\n\
         Fix: a shorter declaration name:\n    vault \"secrets\" { }";
    BadCidr = "E0203", Error, "invalid address or range",
        "CIDR ranges need a network address with no host bits set and a prefix of 0..=32; IP addresses \
         four octets.\n\nFailing:\n    pod_cidr = 10.244.0.1/16\n\nFix:\n    pod_cidr = 10.244.0.0/16";
    CidrOverlap = "E0204", Error, "overlapping address ranges",
        "The pod, service and virtual network ranges must not overlap each other, and subnets must lie \
         inside their network without overlapping.\n\nFailing:\n    pod_cidr = 10.0.0.0/16\n    service_cidr = 10.0.0.0/16\n\nFix:\n    pod_cidr = 10.244.0.0/16\n    service_cidr = 10.0.0.0/16";
    DnsServiceIp = "E0205", Error, "DNS service IP outside the service range",
        "`dns_service_ip` must lie inside `service_cidr`, and not be its network address or its first \
         address (the API server's).\n\nFailing:\n    service_cidr = 10.0.0.0/16\n    dns_service_ip = 10.1.0.10\n\nFix:\n    dns_service_ip = 10.0.0.10";
    BadVersion = "E0206", Error, "malformed version",
        "Kubernetes versions look like `1.33` or `1.33.2`; Istio add-on revisions like `asm-1-27`.\n\n\
         Failing:\n    extension istio { revision = \"1.27\" }\n\nFix:\n    extension istio { revision = \"asm-1-27\" }";
    MissingDependency = "E0207", Error, "a feature needs another that is missing",
        "Some features only work with others: a GitOps configuration needs the Flux extension, Cilium \
         network policy needs the Cilium data plane, Prometheus and Grafana need an Azure Monitor \
         workspace, a Blob GitOps source needs a storage container, private networking needs a subnet \
         for private endpoints. The message names what is missing.\n\n\
         Failing:\n    cluster \"main\" { gitops \"apps\" { ... } }    // no `extension flux`\n\n\
         Fix:\n    cluster \"main\" { extension flux  gitops \"apps\" { ... } }";
    BadSubject = "E0208", Error, "invalid federated subject",
        "`federate` takes `namespace/serviceaccount`, both valid Kubernetes names (lowercase letters, \
         digits and hyphens, starting and ending with a letter or digit).\n\n\
         Failing:\n    federate \"shop\" on cluster.main\n\nFix:\n    federate \"shop/checkout-sa\" on cluster.main";
    DuplicateFederation = "E0209", Error, "duplicate federated credential",
        "An identity may hold one federated credential per issuer and subject; Azure rejects a second.\n\n\
         Failing:\n    federate \"shop/api\" on cluster.main\n    federate \"shop/api\" on cluster.main\n\nFix: remove the repeated line.";
    BadKey = "E0210", Error, "App Configuration key or label cannot be stored",
        "Keys must be non-empty, at most 10,000 characters, and may not be `.` or `..` or contain `%`; \
         labels may not contain `*` or `,`. Feature flag ids may contain only letters, digits, `.`, `-` and `_`.\n\n\
         Failing:\n    config \"\" in appconfig.settings { value = \"x\" }\n\nFix: give the key a name.";
    EnvironmentShape = "E0211", Error, "environments differ in shape",
        "One compiled infra/ serves every environment, so environments may change values but not which \
         properties a resource sets where those properties refer to other resources. A node pool with \
         `count` in one environment and `autoscale` in another, on a declared subnet, is the usual cause.\n\n\
         Failing:\n    pool \"system\" { vm_size = \"Standard_D4ds_v5\"  mode = system  count = 3\n      env \"prod\" { count = 0  autoscale = 3..9 } }\n\n\
         Fix: size the pool the same way everywhere:\n    pool \"system\" { vm_size = \"Standard_D4ds_v5\"  mode = system  autoscale = 1..3\n      env \"prod\" { autoscale = 3..9 } }";
    BadObjectId = "E0212", Error, "malformed Entra object id",
        "A cluster's `admins` are Entra object ids: GUIDs such as `00000000-0000-0000-0000-000000000000`, \
         or `env(\"NAME\")` to read one from the azd environment. A name or an email address is not \
         an object id.\n\n\
         Failing:\n    cluster \"main\" { admins = [\"aks-admins\"] }\n\n\
         Fix:\n    cluster \"main\" { admins = [env(\"AKS_ADMIN_GROUP_ID\")] }";
    BadUpload = "E0213", Error, "folder that cannot be published",
        "`blob(..., upload = \"DIR\")` names a folder of manifests that `platc publish` mirrors into \
         the container after each provision. The folder is relative to the file that names it, \
         must exist, hold at least one file and at most 768 KiB in all (it travels to the cluster \
         as one ConfigMap), and hold only regular files and folders with names Azure Storage accepts.\n\n\
         Failing:\n    source = blob(storage.gitops, container = \"manifests\", upload = \"/home/me/vendor\")\n\n\
         Fix:\n    source = blob(storage.gitops, container = \"manifests\", upload = \"gitops/vendor\")";
    KeyVaultRule = "E0214", Error, "a key or certificate Key Vault would refuse",
        "Key Vault makes RSA keys of 2048, 3072 or 4096 bits and EC keys on the P-256, P-384, P-521 \
         and P-256K curves; only RSA keys encrypt and wrap. A rotation policy keeps each version at \
         least 28 days, rotates at least 7 days after creation and 7 days before expiry, and \
         notifies at least 7 days before expiry. HSM-protected types need a premium vault. AKS \
         encrypts Kubernetes secrets (KMS) with an RSA key allowed to encrypt and decrypt. A \
         certificate's subject is an X.500 name (`CN=...`) and it renews before it expires.\n\n\
         Failing:\n    key \"etcd\" in vault.secrets { size = 1024 }\n\n\
         Fix:\n    key \"etcd\" in vault.secrets { size = 2048 }";
    PublicOnPrivate = "W0302", Warning, "public endpoint on a private platform",
        "The platform asks for private networking, but this resource opts out and stays reachable from \
         the internet (behind Entra ID authentication).\n\n\
         Example:\n    platform \"contoso\" { private_networking = true }\n    vault \"secrets\" { private = false }\n\n\
         Fix: remove `private = false`, or set `private_networking = false` if the whole platform is public.";
    ArmLimit = "W0303", Warning, "deployment over an Azure template limit",
        "Azure Resource Manager rejects a template with more than 256 parameters, 800 resources \
         (every copy a loop makes counts) or 64 outputs (platc groups main.bicep's outputs by kind \
         before they pass it). platc writes one main.bicep for the whole platform and one module \
         per declaration, so a very large platform, or a store with many hundreds of keys, can \
         pass a limit; `azd provision` would then fail.\n\n\
         Example:\n    // 253 secrets: main.bicep takes each as a parameter, 257 parameters in all\n\n\
         Fix: split the platform into several programs (one per region or team, each its own azd \
         project), or spread a store's keys over several stores.";
    Unused = "W0301", Warning, "unused declaration",
        "A declaration that nothing references and that creates nothing on its own is probably a leftover.\n\n\
         Example:\n    network \"spare\" { address_space = [10.9.0.0/16] }    // no cluster or endpoint uses it\n\n\
         Fix: use it or remove it.";
    PolicyDeny = "E0401", Error, "a platform rule denies",
        "A rule of the platform's own (`policies`: a Rego file, or a built-in pack) has a `deny` \
         that holds for this program, in every environment or in those the message names. The \
         message is the rule's; the span is the declaration or field the rule's `path` names. \
         spec.md §9 lists the built-in rules with their sources.\n\n\
         Failing (with `policies = [\"builtin:baseline\"]`):\n    secret \"db\" in vault.v { value = secure(\"DB\")  expires_after = 180d }\n\n\
         Fix: change the program as the rule asks:\n    secret \"db\" in vault.v { value = secure(\"DB\")  expires_after = 90d }\n\n\
         or switch the rule off with the reason: `waivers = { secret-expiry = \"rotated by the app\" }`.";
    BadRules = "E0402", Error, "rule file that cannot be used",
        "A path in `policies` (or given to `--policy`) names nothing that can be read, or a rule \
         file does not parse as Rego, fails while it is evaluated, or gives `deny` or `warn` \
         another shape than a set of messages or of objects with a `msg`. Nothing about the \
         program is concluded from a rule that could not run.\n\n\
         Failing:\n    platform \"p\" { policies = [\"polices/\"] }\n\n\
         Fix: name the folder that holds the .rego files:\n    platform \"p\" { policies = [\"policies/\"] }";
    BadWaiver = "E0403", Error, "waiver without a reason or for an unknown rule",
        "A waiver switches a rule off for the whole platform, so it names a rule that exists (a \
         built-in rule, or one a rule file lists in its `rules` object) and says why, for the \
         reviewer who reads it later.\n\n\
         Failing:\n    waivers = { storage-zone-redundant = \"\" }\n\n\
         Fix:\n    waivers = { storage-zone-redundant = \"scratch data, rebuilt from Git\" }";
    PolicyWarn = "W0401", Warning, "a platform rule warns",
        "A rule of the platform's own has a `warn` that holds for this program (or a `deny` \
         object that chose `severity = \"warning\"`). It does not stop the build unless \
         `--deny-warnings` is given.\n\n\
         Example (with `policies = [\"builtin:baseline\"]`):\n    grant \"Key Vault Administrator\" on vault.secrets\n\n\
         Fix: grant the narrower role the identity needs:\n    grant \"Key Vault Secrets User\" on vault.secrets";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            let s = c.as_str();
            assert_eq!(s.len(), 5);
            let want = if s.starts_with('E') {
                Severity::Error
            } else {
                Severity::Warning
            };
            assert_eq!(c.severity(), want, "{s}: letter and severity disagree");
            assert!(!c.title().ends_with('.'));
            assert!(c.explanation().contains("Fix"), "{s} explains no fix");
        }
        assert_eq!(Code::parse("e0201"), Some(Code::LiteralSecret));
    }
}
