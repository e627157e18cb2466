//! Managed Prometheus recording rules, as the official onboarding template installs them
//! (PROM `AddonBicepTemplate/FullAzureMonitorMetricsProfile.bicep`): one node group and one
//! Kubernetes group per cluster, evaluated every minute.

pub struct RuleGroup {
    /// Name stem; the cluster name is appended.
    pub name: &'static str,
    pub description: &'static str,
    pub rules: &'static [(&'static str, &'static str)],
}

pub const INTERVAL: &str = "PT1M";

pub const GROUPS: &[RuleGroup] = &[
    RuleGroup {
        name: "NodeRecordingRulesRuleGroup",
        description: "Node Recording Rules RuleGroup",
        rules: &[
            (
                "instance:node_num_cpu:sum",
                "count without (cpu, mode) (  node_cpu_seconds_total{job=\"node\",mode=\"idle\"})",
            ),
            (
                "instance:node_cpu_utilisation:rate5m",
                "1 - avg without (cpu) (  sum without (mode) (rate(node_cpu_seconds_total{job=\"node\", mode=~\"idle|iowait|steal\"}[5m])))",
            ),
            (
                "instance:node_load1_per_cpu:ratio",
                "(  node_load1{job=\"node\"}/  instance:node_num_cpu:sum{job=\"node\"})",
            ),
            (
                "instance:node_memory_utilisation:ratio",
                "1 - (  (    node_memory_MemAvailable_bytes{job=\"node\"}    or    (      node_memory_Buffers_bytes{job=\"node\"}      +      node_memory_Cached_bytes{job=\"node\"}      +      node_memory_MemFree_bytes{job=\"node\"}      +      node_memory_Slab_bytes{job=\"node\"}    )  )/  node_memory_MemTotal_bytes{job=\"node\"})",
            ),
            (
                "instance:node_vmstat_pgmajfault:rate5m",
                "rate(node_vmstat_pgmajfault{job=\"node\"}[5m])",
            ),
            (
                "instance_device:node_disk_io_time_seconds:rate5m",
                "rate(node_disk_io_time_seconds_total{job=\"node\", device!=\"\"}[5m])",
            ),
            (
                "instance_device:node_disk_io_time_weighted_seconds:rate5m",
                "rate(node_disk_io_time_weighted_seconds_total{job=\"node\", device!=\"\"}[5m])",
            ),
            (
                "instance:node_network_receive_bytes_excluding_lo:rate5m",
                "sum without (device) (  rate(node_network_receive_bytes_total{job=\"node\", device!=\"lo\"}[5m]))",
            ),
            (
                "instance:node_network_transmit_bytes_excluding_lo:rate5m",
                "sum without (device) (  rate(node_network_transmit_bytes_total{job=\"node\", device!=\"lo\"}[5m]))",
            ),
            (
                "instance:node_network_receive_drop_excluding_lo:rate5m",
                "sum without (device) (  rate(node_network_receive_drop_total{job=\"node\", device!=\"lo\"}[5m]))",
            ),
            (
                "instance:node_network_transmit_drop_excluding_lo:rate5m",
                "sum without (device) (  rate(node_network_transmit_drop_total{job=\"node\", device!=\"lo\"}[5m]))",
            ),
        ],
    },
    RuleGroup {
        name: "KubernetesRecordingRulesRuleGroup",
        description: "Kubernetes Recording Rules RuleGroup",
        rules: &[
            (
                "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
                "sum by (cluster, namespace, pod, container) (  irate(container_cpu_usage_seconds_total{job=\"cadvisor\", image!=\"\"}[5m])) * on (cluster, namespace, pod) group_left(node) topk by (cluster, namespace, pod) (  1, max by(cluster, namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
            (
                "node_namespace_pod_container:container_memory_working_set_bytes",
                "container_memory_working_set_bytes{job=\"cadvisor\", image!=\"\"}* on (namespace, pod) group_left(node) topk by(namespace, pod) (1,  max by(namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
            (
                "node_namespace_pod_container:container_memory_rss",
                "container_memory_rss{job=\"cadvisor\", image!=\"\"}* on (namespace, pod) group_left(node) topk by(namespace, pod) (1,  max by(namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
            (
                "node_namespace_pod_container:container_memory_cache",
                "container_memory_cache{job=\"cadvisor\", image!=\"\"}* on (namespace, pod) group_left(node) topk by(namespace, pod) (1,  max by(namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
            (
                "node_namespace_pod_container:container_memory_swap",
                "container_memory_swap{job=\"cadvisor\", image!=\"\"}* on (namespace, pod) group_left(node) topk by(namespace, pod) (1,  max by(namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
            (
                "cluster:namespace:pod_memory:active:kube_pod_container_resource_requests",
                "kube_pod_container_resource_requests{resource=\"memory\",job=\"kube-state-metrics\"}  * on (namespace, pod, cluster)group_left() max by (namespace, pod, cluster) (  (kube_pod_status_phase{phase=~\"Pending|Running\"} == 1))",
            ),
            (
                "cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests",
                "kube_pod_container_resource_requests{resource=\"cpu\",job=\"kube-state-metrics\"}  * on (namespace, pod, cluster)group_left() max by (namespace, pod, cluster) (  (kube_pod_status_phase{phase=~\"Pending|Running\"} == 1))",
            ),
            (
                "cluster:namespace:pod_memory:active:kube_pod_container_resource_limits",
                "kube_pod_container_resource_limits{resource=\"memory\",job=\"kube-state-metrics\"}  * on (namespace, pod, cluster)group_left() max by (namespace, pod, cluster) (  (kube_pod_status_phase{phase=~\"Pending|Running\"} == 1))",
            ),
            (
                "cluster:namespace:pod_cpu:active:kube_pod_container_resource_limits",
                "kube_pod_container_resource_limits{resource=\"cpu\",job=\"kube-state-metrics\"}  * on (namespace, pod, cluster)group_left() max by (namespace, pod, cluster) ( (kube_pod_status_phase{phase=~\"Pending|Running\"} == 1) )",
            ),
            (
                "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate",
                "sum by (cluster, namespace, pod, container) (  rate(container_cpu_usage_seconds_total{job=\"cadvisor\", image!=\"\"}[5m])) * on (cluster, namespace, pod) group_left(node) topk by (cluster, namespace, pod) (  1, max by(cluster, namespace, pod, node) (kube_pod_info{node!=\"\"}))",
            ),
        ],
    },
];
