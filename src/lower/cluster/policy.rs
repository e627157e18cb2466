//! The Azure Policy add-on enforces nothing by itself: `extension azure_policy` also assigns a
//! built-in initiative at cluster scope, with the effect the platform chose.

use super::ClusterLowering;
use crate::azure::{policy, types};
use crate::bicep::{Expr, Item, Obj, Resource, arr, call, id, s};

/// The initiative's `parameters`: the effect, and what Safeguards requires besides.
fn parameters(word: &str, effect: &str) -> Expr {
    let value = |v: Expr| Obj::new().set("value", v).build();
    let mut params = Obj::new().set(
        policy::EFFECT_PARAMETER,
        value(s(policy::effect_value(effect))),
    );
    if word == "deployment_safeguards" {
        for (name, v) in policy::SAFEGUARDS_REQUIRED {
            params.push(*name, value(v.map_or_else(|| arr(vec![]), s)));
        }
    }
    params.build()
}

impl ClusterLowering<'_> {
    pub(super) fn policy_assignment(&mut self) {
        let Some(p) = &self.c.azure_policy else {
            return;
        };
        let Some(word) = &p.initiative else {
            return;
        };
        let (set_id, display) = policy::initiative(word).expect("the schema lists the initiatives");
        let mut r = Resource::new(
            "policyAssignment",
            types::POLICY_ASSIGNMENT,
            Obj::new()
                .set("name", s(word.replace('_', "-")))
                .set("scope", id("cluster"))
                .set(
                    "properties",
                    Obj::new()
                        .set("displayName", s(display))
                        .set(
                            "policyDefinitionId",
                            call(
                                "tenantResourceId",
                                vec![s(policy::SET_DEFINITION_TYPE), s(set_id)],
                            ),
                        )
                        .set("enforcementMode", s("Default"))
                        .set("parameters", parameters(word, &p.effect))
                        .build(),
                )
                .build(),
        );
        r.comment = Some(
            "The Azure Policy add-on audits (or denies) workloads against this built-in initiative"
                .into(),
        );
        self.m.push(Item::Resource(r));
    }
}
