//! Role assignments to a managed identity, each deployed by a small module of its own.
//!
//! An assignment is named `guid(scope.id, principalId, roleId)`, as AVM names them (AZURE.md
//! §3.13): Azure refuses to change the principal of an existing assignment
//! (`RoleAssignmentUpdateNotPermitted`: "Tenant ID, application ID, principal ID, and scope are not
//! allowed to be updated", Azure-Samples/graphrag-accelerator#168), so a name that stays the same
//! when an identity is deleted and created again (same resource id, new principal) fails the next
//! deployment. Bicep requires a resource name to be known when the deployment starts (BCP120); a
//! principal id is known only once its identity exists, so the module that creates the identity
//! cannot name the assignment by it. A module it calls can: there the principal id is a
//! parameter (the fix Azure/cyclecloud-slurm-workspace#169 made, "Change MI role assignment GUID;
//! use roleAssignments.bicep to do MI role assignments"). One such module per type of scope,
//! written once and shared by every assignment on that type.

use super::module::Module;
use crate::azure::{self, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Part, Resource, Type, call, id, s};

/// The types a managed identity is granted roles on, and the module that assigns a role on each.
const SCOPES: &[(&str, &str, &str)] = &[
    (types::VAULT, "./grant-vault.bicep", "key vault"),
    (types::VAULT_KEY, "./grant-key.bicep", "Key Vault key"),
    (
        types::APPCONFIG,
        "./grant-appconfig.bicep",
        "App Configuration store",
    ),
    (
        types::REGISTRY,
        "./grant-registry.bicep",
        "container registry",
    ),
    (types::STORAGE, "./grant-storage.bicep", "storage account"),
    (
        types::BLOB_CONTAINER,
        "./grant-container.bicep",
        "blob container",
    ),
    (
        types::MANAGED_CLUSTER,
        "./grant-cluster.bicep",
        "AKS cluster",
    ),
    (
        types::MONITOR_WORKSPACE,
        "./grant-metrics.bicep",
        "Azure Monitor workspace",
    ),
    (
        types::LOG_ANALYTICS,
        "./grant-logs.bicep",
        "Log Analytics workspace",
    ),
    (types::GRAFANA, "./grant-grafana.bicep", "Managed Grafana"),
    (types::VNET, "./grant-network.bicep", "virtual network"),
];

/// Assigns `role` to a managed identity's principal on the module's resource `scope`, through the
/// grant module of the scope's type.
pub(super) fn assign(
    m: &mut Module,
    name: &str,
    scope: &str,
    principal_id: Expr,
    role: &str,
    comment: Option<String>,
) {
    let scope_type = m
        .items
        .iter()
        .find_map(|i| match i {
            Item::Resource(r) if r.name == scope && !r.module => Some(r.type_),
            _ => None,
        })
        .expect("a grant's scope is a resource of its module");
    let scope_name = id(scope.to_string()).dot("name");
    assign_on(
        m,
        name,
        (scope_type, scope_name),
        principal_id,
        role,
        comment,
    );
}

/// Assigns `role` on the resource of type `scope.0` whose full name is `scope.1` (for a child
/// resource, `parent/.../child`), which the module need not declare.
pub(super) fn assign_on(
    m: &mut Module,
    name: &str,
    scope: (&str, Expr),
    principal_id: Expr,
    role: &str,
    comment: Option<String>,
) {
    let (scope_type, scope_name) = scope;
    let role_id = azure::role_id(role).expect("roles used by the lowering are in the table");
    let path = SCOPES
        .iter()
        .find(|(t, _, _)| *t == scope_type)
        .map(|(_, p, _)| *p)
        .expect("every type a role is granted on has a grant module");
    // The deployment's name: the calling deployment's, cut to leave room for a suffix unique to
    // the assignment (deployment names are at most 64 characters).
    let deployment = call("deployment", vec![]).dot("name");
    let deployment_name = Expr::Interp(vec![
        Part::Expr(call("take", vec![deployment.clone(), Expr::Int(50)])),
        Part::Text("-".into()),
        Part::Expr(call("uniqueString", vec![deployment, s(name.to_string())])),
    ]);
    let mut r = Resource::new(
        name,
        path,
        Obj::new()
            .set("name", deployment_name)
            .set(
                "params",
                Obj::new()
                    .set("name", scope_name)
                    .set("principalId", principal_id)
                    .set_commented("roleId", s(role_id), role)
                    .build(),
            )
            .build(),
    );
    r.module = true;
    r.comment = comment;
    m.push(Item::Resource(r));
}

/// The grant modules `modules` call, as (file under the output, text), in a fixed order.
pub(super) fn files(
    used: &[&'static str],
    header: &dyn Fn(&str) -> Vec<String>,
) -> Vec<(String, String)> {
    SCOPES
        .iter()
        .filter(|(_, path, _)| used.contains(path))
        .map(|(type_, path, what)| {
            let file = format!("modules/{}", path.trim_start_matches("./"));
            (file, text(type_, what, header))
        })
        .collect()
}

/// The grant modules one module calls.
pub(super) fn used_by(m: &Module, used: &mut Vec<&'static str>) {
    for i in &m.items {
        if let Item::Resource(r) = i
            && r.module
            && !used.contains(&r.type_)
        {
            used.push(r.type_);
        }
    }
}

fn text(type_: &'static str, what: &str, header: &dyn Fn(&str) -> Vec<String>) -> String {
    let param = |name: &str, description: String| Item::Param {
        decorators: vec![Decorator::description(description)],
        name: name.to_string(),
        ty: Type::String,
        default: None,
    };
    let mut target = Resource::new("target", type_, Obj::new().set("name", id("name")).build());
    target.existing = true;
    let mut assignment = super::assignment(
        "assignment",
        "target",
        id("principalId"),
        id("roleId"),
        None,
        Some(s("ServicePrincipal")),
    );
    assignment.comment = Some(
        "Named by scope, principal and role: an identity created again gets an assignment of its\nown, where Azure would refuse to change the principal of the old one"
            .into(),
    );
    bicep::print_items(
        &header(&format!(
            "a role assigned to a managed identity on a {what}"
        )),
        [
            param("name", format!("Name of the {what}")),
            param(
                "principalId",
                "Principal id of the managed identity".to_string(),
            ),
            param("roleId", "Id of the built-in role".to_string()),
            Item::Resource(target),
            Item::Resource(assignment),
        ]
        .iter(),
    )
}
