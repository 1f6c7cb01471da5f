#!/usr/bin/python3
"""Writes conf/grafana-vtepd.json, the Grafana dashboard of vtepd's
Prometheus metrics (docs/OPERATIONS.md, "Metrics").

Import-ready: the Prometheus data source is a dashboard variable
(${datasource}), and so are the scraped vtepd instances (${instance}).
The classifier and latency rows graph the names metrics.h reserves for
families still to come; they stay empty until vtepd writes them.

    scripts/gen_grafana_dashboard.py [OUT]     (default conf/grafana-vtepd.json)
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'instance=~"$instance"'
RI = "$__rate_interval"


class Layout:
    def __init__(self):
        self.panels = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def _id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def row(self, title, description=None):
        if self.x:
            self.y += self.row_h
            self.x = 0
        p = {"type": "row", "title": title, "id": self._id(), "collapsed": False,
             "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}}
        if description:
            p["description"] = description
        self.panels.append(p)
        self.y += 1
        self.row_h = 0

    def add(self, panel, w=12, h=8):
        if self.x + w > 24:
            self.y += self.row_h
            self.x = 0
            self.row_h = 0
        panel["id"] = self._id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        panel["datasource"] = DS
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)


def target(expr, legend, ref="A", **kw):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}
    t.update(kw)
    return t


def timeseries(title, targets, unit="short", description="", stack=False, draw="line",
               min0=True):
    custom = {"drawStyle": draw, "lineWidth": 1, "fillOpacity": 10 if not stack else 60,
              "showPoints": "never", "spanNulls": False,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    defaults = {"unit": unit, "custom": custom}
    if min0:
        defaults["min"] = 0
    return {"type": "timeseries", "title": title, "description": description,
            "targets": targets,
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom",
                                   "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, targets, unit="short", description="", mappings=None, thresholds=None):
    fc = {"defaults": {"unit": unit, "mappings": mappings or [],
                       "thresholds": thresholds or {"mode": "absolute", "steps": [
                           {"color": "green", "value": None}]}},
          "overrides": []}
    return {"type": "stat", "title": title, "description": description, "targets": targets,
            "fieldConfig": fc,
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                          "values": False},
                        "colorMode": "value", "graphMode": "none", "textMode": "auto",
                        "justifyMode": "auto", "orientation": "auto"}}


def state_timeline(title, targets, mappings, description=""):
    return {"type": "state-timeline", "title": title, "description": description,
            "targets": targets,
            "fieldConfig": {"defaults": {"mappings": mappings,
                                         "color": {"mode": "thresholds"},
                                         "thresholds": {"mode": "absolute", "steps": [
                                             {"color": "red", "value": None},
                                             {"color": "green", "value": 1}]}},
                            "overrides": []},
            "options": {"mergeValues": True, "showValue": "auto", "rowHeight": 0.8,
                        "legend": {"displayMode": "list", "placement": "bottom"}}}


def value_map(pairs):
    """[(value, text, color)] -> a Grafana value mapping."""
    return [{"type": "value", "options": {str(v): {"text": t, "color": c, "index": i}}}
            for i, (v, t, c) in enumerate(pairs)]


def heatmap(title, targets, description=""):
    return {"type": "heatmap", "title": title, "description": description, "targets": targets,
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"calculate": False, "yAxis": {"unit": "s"},
                        "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges",
                                                "steps": 64},
                        "tooltip": {"show": True, "yHistogram": True}}}


def build():
    L = Layout()

    L.row("vtepd")
    L.add(stat("Version", [target(f'vtepd_build_info{{{SEL}}}', "{{instance}} {{version}} "
                                  "({{git}}, {{dpdk}})", format="table", instant=True)],
               description="vtepd_build_info"), w=6, h=4)
    L.add(stat("Uptime", [target(f"vtepd_uptime_seconds{{{SEL}}}", "{{instance}}")], unit="s"),
          w=4, h=4)
    L.add(stat("Configuration generation",
               [target(f"vtepd_config_generation{{{SEL}}}", "{{instance}}")]), w=4, h=4)
    L.add(stat("Last reload", [target(f"vtepd_config_last_reload_successful{{{SEL}}}",
                                      "{{instance}}")],
               mappings=value_map([(1, "OK", "green"), (0, "refused", "red")])), w=4, h=4)
    L.add(stat("MAC table use", [target(f"sum by (instance) (vtepd_mac_table_entries{{{SEL}}}) / "
                                        f"sum by (instance) (vtepd_mac_table_capacity{{{SEL}}})",
                                        "{{instance}}")], unit="percentunit",
               thresholds={"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                         {"color": "orange", "value": 0.8},
                                                         {"color": "red", "value": 0.95}]}),
          w=6, h=4)

    L.row("Throughput")
    L.add(timeseries("Packets received per port",
                     [target(f"rate(vtepd_port_rx_packets_total{{{SEL}}}[{RI}])",
                             "{{instance}} {{port}}")], unit="pps"))
    L.add(timeseries("Packets sent per port",
                     [target(f"rate(vtepd_port_tx_packets_total{{{SEL}}}[{RI}])",
                             "{{instance}} {{port}}")], unit="pps"))
    L.add(timeseries("Bits per port (received up, sent down)",
                     [target(f"8 * rate(vtepd_port_rx_bytes_total{{{SEL}}}[{RI}])",
                             "{{instance}} {{port}} rx"),
                      target(f"-8 * rate(vtepd_port_tx_bytes_total{{{SEL}}}[{RI}])",
                             "{{instance}} {{port}} tx", "B")], unit="bps", min0=False))
    L.add(timeseries("Worker busy", [target(f"rate(vtepd_worker_busy_seconds_total{{{SEL}}}"
                                            f"[{RI}])", "{{instance}} worker {{worker}}")],
                     unit="percentunit",
                     description="Share of time a worker spent in loop turns that had packets"))
    L.add(timeseries("Encapsulated and decapsulated per VNI",
                     [target(f"rate(vtepd_vni_encap_packets_total{{{SEL}}}[{RI}])",
                             "{{instance}} vni {{vni}} encap"),
                      target(f"rate(vtepd_vni_decap_packets_total{{{SEL}}}[{RI}])",
                             "{{instance}} vni {{vni}} decap", "B"),
                      target(f"rate(vtepd_vni_flood_copies_total{{{SEL}}}[{RI}])",
                             "{{instance}} vni {{vni}} flood copies", "C")], unit="pps"))
    L.add(timeseries("Packets the port did not take",
                     [target(f"rate(vtepd_port_tx_dropped_total{{{SEL}}}[{RI}])",
                             "{{instance}} {{port}}")], unit="pps"))

    L.row("Drops")
    L.add(timeseries("Drops by reason",
                     [target(f"sum by (instance, reason, path) (rate(vtepd_drops_total{{{SEL}}}"
                             f"[{RI}])) > 0", "{{instance}} {{path}}/{{reason}}")],
                     unit="pps", stack=True,
                     description="Only reasons with drops in the interval are shown"), w=16)
    L.add(timeseries("Drops by path",
                     [target(f"sum by (path) (rate(vtepd_drops_total{{{SEL}}}[{RI}]))",
                             "{{path}}")], unit="pps", stack=True), w=8)

    L.row("MAC table")
    L.add(timeseries("MACs per VNI", [target(f"vtepd_vni_macs{{{SEL}}}",
                                             "{{instance}} vni {{vni}}")]))
    L.add(timeseries("Learned MACs per VNI and limit",
                     [target(f"vtepd_vni_macs_learned{{{SEL}}}", "{{instance}} vni {{vni}}"),
                      target(f"vtepd_vni_mac_limit{{{SEL}}}", "{{instance}} vni {{vni}} limit",
                             "B")]))
    L.add(timeseries("Learning events", [target(
        f"sum by (instance, result) (rate(vtepd_mac_learn_events_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{result}}"), target(
        f"rate(vtepd_mac_aged_total{{{SEL}}}[{RI}])", "{{instance}} aged", "B"), target(
        f"rate(vtepd_learn_events_lost_total{{{SEL}}}[{RI}])", "{{instance}} lost (ring full)",
        "C")], unit="ops"))
    L.add(timeseries("Flood list size per VNI",
                     [target(f"vtepd_vni_flood_vteps{{{SEL}}}", "{{instance}} vni {{vni}}")]))

    L.row("BFD")
    L.add(state_timeline("BFD session state", [target(
        f"sum by (instance, peer) (vtepd_bfd_session_state{{{SEL}, state=\"down\"}}) "
        f"+ 2 * sum by (instance, peer) (vtepd_bfd_session_state{{{SEL}, state=\"init\"}}) "
        f"+ 3 * sum by (instance, peer) (vtepd_bfd_session_state{{{SEL}, state=\"up\"}})",
        "{{instance}} {{peer}}")], value_map([(0, "AdminDown", "purple"), (1, "Down", "red"),
                                              (2, "Init", "orange"), (3, "Up", "green")])),
        w=24, h=6)
    L.add(timeseries("BFD transitions", [target(
        f"sum by (instance, peer, to) (increase(vtepd_bfd_session_transitions_total{{{SEL}}}"
        f"[{RI}]))", "{{instance}} {{peer}} to {{to}}")], draw="bars"), w=8)
    L.add(timeseries("BFD detection time", [target(
        f"vtepd_bfd_session_detection_time_seconds{{{SEL}}}", "{{instance}} {{peer}}")],
        unit="s"), w=8)
    L.add(timeseries("BFD transmit lateness", [target(
        f"vtepd_bfd_session_tx_late_max_seconds{{{SEL}}}", "{{instance}} {{peer}} max"), target(
        f"vtepd_bfd_session_tx_late_avg_seconds{{{SEL}}}", "{{instance}} {{peer}} mean", "B"),
        target(f"vtepd_bfd_thread_wake_late_max_seconds{{{SEL}}}",
               "{{instance}} thread wake-up max", "C")], unit="s",
        description="Since start or 'vtepctl clear bfd counters'"), w=8)

    L.row("ECMP")
    L.add(timeseries("ECMP buckets per next hop", [target(
        f"vtepd_ecmp_member_buckets{{{SEL}}}", "{{instance}} {{group}} {{nexthop}}")],
        stack=True, description="256 buckets per group, spread over the live next hops"))
    L.add(state_timeline("Next hop in ECMP", [target(
        f"vtepd_ecmp_member_live{{{SEL}}}", "{{instance}} {{group}} {{nexthop}}")],
        value_map([(0, "out", "red"), (1, "live", "green")])))

    L.row("EVPN")
    L.add(timeseries("EVPN RIB paths", [target(
        f"vtepd_evpn_rib_paths{{{SEL}}}", "{{instance}} type {{type}}"), target(
        f"vtepd_evpn_rib_paths_stale{{{SEL}}}", "{{instance}} stale", "B"), target(
        f"vtepd_evpn_rib_paths_unresolved{{{SEL}}}", "{{instance}} unresolved", "C")]), w=8)
    L.add(timeseries("EVPN RIB changes", [target(
        f"sum by (instance, op) (rate(vtepd_evpn_rib_updates_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{op}}"), target(
        f"sum by (instance, what) (rate(vtepd_evpn_rib_programmed_total{{{SEL}}}[{RI}]))",
        "{{instance}} programmed {{what}}", "B")], unit="ops"), w=8)
    L.add(timeseries("EVPN feed messages", [target(
        f"sum by (instance, feed) (rate(vtepd_evpn_feed_messages_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{feed}}"), target(
        f"sum by (instance, feed) (rate(vtepd_evpn_feed_malformed_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{feed}} malformed", "B")], unit="ops"), w=8)
    L.add(state_timeline("BGP peers (through the feeds)", [target(
        f"max by (instance, feed, peer) (vtepd_evpn_peer_up{{{SEL}}})",
        "{{instance}} {{feed}} {{peer}}")], value_map([(0, "down", "red"), (1, "up", "green")])),
        w=12)
    L.add(timeseries("Feed connections", [target(
        f"vtepd_evpn_feed_sessions{{{SEL}}}", "{{instance}} open"), target(
        f"sum by (instance, reason) (increase(vtepd_evpn_feed_connections_refused_total"
        f"{{{SEL}}}[{RI}]))", "{{instance}} refused {{reason}}", "B")]), w=12)

    cls = ("Reserved names (control/mgmt/metrics.h, metrics_write_classifier): "
           "empty until vtepd writes them")
    L.row("Short/long classifier", cls)
    L.add(timeseries("Live flows per worker", [target(
        f"vtepd_classifier_live_flows{{{SEL}}}", "{{instance}} worker {{worker}}")],
        description=cls), w=8)
    L.add(timeseries("Promotions, evictions, table full", [target(
        f"rate(vtepd_classifier_promotions_total{{{SEL}}}[{RI}])",
        "{{instance}} worker {{worker}} promotions"), target(
        f"rate(vtepd_classifier_evictions_total{{{SEL}}}[{RI}])",
        "{{instance}} worker {{worker}} evictions", "B"), target(
        f"rate(vtepd_classifier_table_full_total{{{SEL}}}[{RI}])",
        "{{instance}} worker {{worker}} table full", "C")], unit="ops", description=cls), w=8)
    L.add(timeseries("Packets and bytes by class", [target(
        f"sum by (instance, class) (rate(vtepd_classifier_packets_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{class}} packets"), target(
        f"sum by (instance, class) (8 * rate(vtepd_classifier_bytes_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{class}} bits", "B")], description=cls), w=8)

    lat = ("Reserved names (control/mgmt/metrics.h, metrics_write_residence): "
           "empty until vtepd writes them")
    L.row("Latency: residence time in vtepd", lat)
    L.add(timeseries("Residence time quantiles", [target(
        f"histogram_quantile({q}, sum by (instance, le) "
        f"(rate(vtepd_packet_residence_seconds_bucket{{{SEL}}}[{RI}])))",
        f"{{{{instance}}}} p{str(q * 100).rstrip('0').rstrip('.')}", ref)
        for q, ref in ((0.5, "A"), (0.99, "B"), (0.999, "C"))] + [target(
            f"sum by (instance) (rate(vtepd_packet_residence_seconds_sum{{{SEL}}}[{RI}])) / "
            f"sum by (instance) (rate(vtepd_packet_residence_seconds_count{{{SEL}}}[{RI}]))",
            "{{instance}} mean", "D")], unit="s", description=lat))
    L.add(heatmap("Residence time distribution", [target(
        f"sum by (le) (increase(vtepd_packet_residence_seconds_bucket{{{SEL}}}[{RI}]))",
        "{{le}}", format="heatmap")], description=lat))

    L.row("Management")
    L.add(timeseries("CLI clients", [target(
        f"sum by (instance, result) (rate(vtepd_cli_clients_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{result}}")], unit="ops"), w=8)
    L.add(timeseries("Metrics requests", [target(
        f"sum by (instance, code) (rate(vtepd_metrics_http_requests_total{{{SEL}}}[{RI}]))",
        "{{instance}} {{code}}")], unit="reqps"), w=8)
    L.add(timeseries("Metrics rendering time", [target(
        f"rate(vtepd_metrics_render_seconds_total{{{SEL}}}[{RI}]) / "
        f"rate(vtepd_metrics_renders_total{{{SEL}}}[{RI}])", "{{instance}}")], unit="s",
        description="Control-thread time per rendering"), w=8)

    return {
        "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana",
                        "version": "9.0.0"},
                       {"type": "datasource", "id": "prometheus", "name": "Prometheus",
                        "version": "1.0.0"}],
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana",
                                                                "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": "vtepd: userspace VXLAN/EVPN VTEP (Prometheus metrics, control.metrics_listen)",
        "editable": True,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "panels": L.panels,
        "refresh": "10s",
        "schemaVersion": 38,
        "tags": ["vtepd", "vxlan", "evpn"],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0, "refresh": 1,
             "options": [], "regex": "", "includeAll": False, "multi": False},
            {"name": "instance", "label": "vtepd", "type": "query", "datasource": DS,
             "query": {"query": "label_values(vtepd_build_info, instance)", "refId": "vtepd"},
             "definition": "label_values(vtepd_build_info, instance)",
             "current": {}, "hide": 0, "refresh": 2, "options": [], "regex": "",
             "includeAll": True, "multi": True, "allValue": ".*", "sort": 1},
        ]},
        "time": {"from": "now-30m", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": "vtepd",
        "uid": "vtepd-main",
        "version": 1,
        "weekStart": "",
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "conf", "grafana-vtepd.json")
    with open(out, "w") as f:
        json.dump(build(), f, indent=2)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
