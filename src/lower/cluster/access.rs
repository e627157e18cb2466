//! Who operates the cluster. Its Kubernetes authorization is Azure RBAC and its local accounts
//! are off, so only Azure role assignments let anyone in: each admin gets RBAC Cluster Admin and
//! Cluster User Role (to fetch the kubeconfig) on the cluster, and without `admins` the deployer
//! does.

use super::super::{Principal, assignment, role_assignment};
use super::ClusterLowering;
use crate::azure::{self, cluster_access};
use crate::bicep::{Expr, Item, Resource, call, s};
use crate::model::parse_env_marker;

const ROLES: [(&str, &str); 2] = [
    ("ClusterAdmin", cluster_access::ADMIN_ROLE),
    ("ClusterUser", cluster_access::USER_ROLE),
];

/// `cond && more`, or `more` alone.
fn and(cond: Option<Expr>, more: Expr) -> Expr {
    match cond {
        Some(c) => Expr::Binary(Box::new(c), "&&", Box::new(more)),
        None => more,
    }
}

/// A built-in role on the cluster for an admin's object id, named `guid(cluster.id, principalId,
/// roleId)`. No `principalType`: the id may be a group, a user or a service principal.
fn admin_assignment(symbol: String, principal: Expr, role: &'static str) -> Resource {
    let role_id = azure::role_id(role).expect("cluster access roles are in the table");
    assignment(&symbol, "cluster", principal, s(role_id), Some(role), None)
}

impl ClusterLowering<'_> {
    pub(super) fn operators(&mut self) {
        let Some(admins) = &self.c.admins else {
            self.deployer_operates(None);
            return;
        };
        // An admin read from an unset azd variable is skipped; when every admin is, the deployer
        // operates the cluster instead, so someone always can.
        let mut all_unset: Option<Expr> = Some(Expr::Bool(true));
        for (i, admin) in admins.iter().enumerate() {
            let from_env = parse_env_marker(admin).is_some();
            let principal = s(admin.clone());
            let set = Expr::Not(Box::new(call("empty", vec![principal.clone()])));
            all_unset = match (all_unset, from_env) {
                (Some(Expr::Bool(true)), true) => Some(call("empty", vec![principal.clone()])),
                (Some(c), true) => Some(and(Some(c), call("empty", vec![principal.clone()]))),
                _ => None,
            };
            for (suffix, role) in ROLES {
                let mut r =
                    admin_assignment(format!("admin{}{suffix}", i + 1), principal.clone(), role);
                if from_env {
                    r.condition = Some(set.clone());
                }
                if suffix == "ClusterAdmin" {
                    r.comment = Some(format!(
                        "Admin {} of the cluster: Kubernetes through Azure RBAC, and the kubeconfig",
                        i + 1
                    ));
                }
                self.m.push(Item::Resource(r));
            }
        }
        if let Some(unset) = all_unset {
            self.deployer_operates(Some(unset));
        }
    }

    /// The deployer's roles on the cluster, when `only_if` holds as well as a deployer exists.
    fn deployer_operates(&mut self, only_if: Option<Expr>) {
        for (suffix, role) in ROLES {
            let comment = (suffix == "ClusterAdmin").then(|| {
                let why = if only_if.is_some() {
                    "Every admin's azd variable is empty"
                } else {
                    "No `admins` are named"
                };
                format!("{why}: the principal running `azd provision` operates the cluster")
            });
            role_assignment(
                &mut self.m,
                &format!("deployer{suffix}"),
                "cluster",
                Principal::Deployer,
                role,
                comment,
            );
            if let (Some(cond), Some(Item::Resource(r))) = (&only_if, self.m.items.last_mut()) {
                r.condition = Some(and(r.condition.take(), cond.clone()));
            }
        }
    }
}
