//! Virtual networks, subnets and the address ranges of clusters.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "address space without brackets",
        &[(
            "address_space = [10.20.0.0/16]",
            "address_space = 10.20.0.0/16",
        )],
        "E0103",
        "10.20.0.0/16",
    ),
    auto(
        "host bits in the address space",
        &[(
            "address_space = [10.20.0.0/16]",
            "address_space = [10.20.0.1/16]",
        )],
        "E0203",
        "10.20.0.1/16",
    ),
    manual(
        "prefix longer than 32",
        &[("prefix = 10.20.8.0/24", "prefix = 10.20.8.0/34")],
        "E0203",
        "10.20.8.0/34",
        &[("10.20.8.0/34", "10.20.8.0/24")],
    ),
    manual(
        "subnet outside the address space",
        &[("prefix = 10.20.8.0/24", "prefix = 10.30.8.0/24")],
        "E0204",
        "10.30.8.0/24",
        &[("10.30.8.0/24", "10.20.8.0/24")],
    ),
    manual(
        "subnets that overlap",
        &[("prefix = 10.20.8.0/24", "prefix = 10.20.2.0/24")],
        "E0204",
        "10.20.2.0/24",
        &[("10.20.2.0/24", "10.20.8.0/24")],
    ),
    manual(
        "address prefixes that overlap",
        &[(
            "address_space = [10.20.0.0/16]",
            "address_space = [10.20.0.0/16, 10.20.128.0/17]",
        )],
        "E0204",
        "10.20.128.0/17",
        &[(", 10.20.128.0/17", "")],
    ),
    manual(
        "second private endpoint subnet",
        &[(
            "    private_endpoints = true\n  }\n",
            "    private_endpoints = true\n  }\n  subnet \"endpoints2\" {\n    prefix = 10.20.9.0/24\n    private_endpoints = true\n  }\n",
        )],
        "E0115",
        "true",
        &[(
            "  subnet \"endpoints2\" {\n    prefix = 10.20.9.0/24\n    private_endpoints = true\n  }\n",
            "",
        )],
    ),
    auto(
        "misspelt subnet block",
        &[("subnet \"nodes\"", "subnt \"nodes\"")],
        "E0101",
        "subnt",
    ),
    manual(
        "subnet without a prefix",
        &[(
            "    prefix = 10.20.8.0/24\n    private_endpoints = true",
            "    private_endpoints = true",
        )],
        "E0104",
        "subnet \"endpoints\"",
        &[(
            "    private_endpoints = true",
            "    prefix = 10.20.8.0/24\n    private_endpoints = true",
        )],
    ),
    manual(
        "subnet declared twice",
        &[(
            "subnet \"nodes\" { prefix = 10.20.0.0/22 }",
            "subnet \"nodes\" { prefix = 10.20.0.0/22 }\n  subnet \"nodes\" { prefix = 10.20.4.0/22 }",
        )],
        "E0105",
        "\"nodes\"",
        &[("\n  subnet \"nodes\" { prefix = 10.20.4.0/22 }", "")],
    ),
    manual(
        "node subnet named by its network only",
        &[("subnet = network.core.nodes", "subnet = network.core")],
        "E0103",
        "network.core",
        &[("subnet = network.core", "subnet = network.core.nodes")],
    ),
    auto(
        "misspelt network in the node subnet",
        &[("subnet = network.core.nodes", "subnet = network.cor.nodes")],
        "E0107",
        "cor",
    ),
    manual(
        "pod range inside the virtual network",
        &[("pod_cidr = 10.244.0.0/16", "pod_cidr = 10.20.0.0/16")],
        "E0204",
        "10.20.0.0/16",
        &[("pod_cidr = 10.20.0.0/16", "pod_cidr = 10.244.0.0/16")],
    ),
    manual(
        "service range inside the virtual network",
        &[
            ("service_cidr = 10.0.0.0/16", "service_cidr = 10.20.0.0/16"),
            ("dns_service_ip = 10.0.0.10", "dns_service_ip = 10.20.0.10"),
        ],
        "E0204",
        "10.20.0.0/16",
        &[
            ("service_cidr = 10.20.0.0/16", "service_cidr = 10.0.0.0/16"),
            ("dns_service_ip = 10.20.0.10", "dns_service_ip = 10.0.0.10"),
        ],
    ),
    auto(
        "DNS service IP on the API server address",
        &[("dns_service_ip = 10.0.0.10", "dns_service_ip = 10.0.0.1")],
        "E0205",
        "10.0.0.1",
    ),
    manual(
        "octet over 255",
        &[("dns_service_ip = 10.0.0.10", "dns_service_ip = 10.0.0.300")],
        "E0203",
        "10.0.0.300",
        &[("10.0.0.300", "10.0.0.10")],
    ),
    auto(
        "quoted pod range",
        &[("pod_cidr = 10.244.0.0/16", "pod_cidr = \"10.244.0.0/16\"")],
        "E0103",
        "\"10.244.0.0/16\"",
    ),
    manual(
        "kubenet plugin",
        &[("plugin = azure_cni_overlay", "plugin = kubenet")],
        "E0106",
        "kubenet",
        &[("kubenet", "azure_cni_overlay")],
    ),
    auto(
        "misspelt outbound type",
        &[(
            "dns_service_ip = 10.0.0.10\n",
            "dns_service_ip = 10.0.0.10\n    outbound = loadbalancer\n",
        )],
        "E0106",
        "loadbalancer",
    ),
    manual(
        "cluster network block twice",
        &[(
            "  pool \"system\" {",
            "  network { outbound = managed_nat_gateway }\n\n  pool \"system\" {",
        )],
        "E0105",
        "network",
        &[("  network { outbound = managed_nat_gateway }\n\n", "")],
    ),
    auto(
        "misspelt network kind",
        &[("network \"core\" {", "netwrk \"core\" {")],
        "E0101",
        "netwrk",
    ),
];
