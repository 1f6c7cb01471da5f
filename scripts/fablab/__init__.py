"""scripts/fabric: the thesis' spine-leaf VXLAN/EVPN fabric in network
namespaces (topo: the YAML file; proc: state file and processes; lab: up,
down, status; flow: the UDP probe; measure: the test; report: table and
figures)."""
