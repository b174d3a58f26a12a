/*
 * test_nemesis_cluster.c - the cluster description (nemesis/cluster.h)
 * from JSON and from --node, each error with its place and reason; and the
 * reading of /proc/net/tcp lines (nemesis/sockown.h).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "../../nemesis/cluster.h"
#include "../../nemesis/sockown.h"

static const char good[] =
    "{\"nodes\":[{\"name\":\"n1\",\"url\":\"http://127.0.0.1:2379\",\"pid_file\":\"n1.pid\","
    "\"start\":\"exec etcd --name n1\",\"peer\":\"127.0.0.1:12380\","
    "\"peer_target\":\"127.0.0.1:22380\",\"log\":\"n1.log\"},"
    "{\"name\":\"n2\",\"pid\":4242,\"faketime_file\":\"n2.ft\"}],"
    "\"admin\":\"http://127.0.0.1:9000\","
    "\"leader\":{\"path\":\"/status\",\"body\":\"{}\",\"match\":\"leader\"},"
    "\"leader_cmd\":\"echo n1\"}";

Test(cluster, loads_every_field)
{
    clu_desc c = {0};
    sbuf why = {0};
    cr_assert(clu_load_text(good, "c.json", &c, &why), "%s", sbuf_str(&why));
    cr_assert_eq(c.n, 2);
    cr_assert_str_eq(c.nodes[0].name, "n1");
    cr_assert_str_eq(c.nodes[0].url, "http://127.0.0.1:2379");
    cr_assert_str_eq(c.nodes[0].pid_file, "n1.pid");
    cr_assert_str_eq(c.nodes[0].start, "exec etcd --name n1");
    cr_assert_str_eq(c.nodes[0].peer, "127.0.0.1:12380");
    cr_assert_str_eq(c.nodes[0].peer_target, "127.0.0.1:22380");
    cr_assert_str_eq(c.nodes[0].log, "n1.log");
    cr_assert_eq(c.nodes[1].pid, 4242);
    cr_assert_str_eq(c.nodes[1].faketime_file, "n2.ft");
    cr_assert_str_eq(c.admin, "http://127.0.0.1:9000");
    cr_assert_str_eq(c.leader.method, "POST", "a probe with a body is a POST by default");
    cr_assert_str_eq(c.leader.path, "/status");
    cr_assert_str_eq(c.leader_cmd, "echo n1");
    cr_assert_eq(clu_find(&c, "n2"), 1);
    cr_assert_eq(clu_find(&c, "n3"), -1);
    clu_free(&c);
    sbuf_free(&why);
}

static const struct {
    const char *json, *error;
} bad[] = {
    {"{\"nodes\":[{\"name\":\"n1\",\"pidfile\":\"x\"}]}",
     "c.json: nodes[0]: unknown field \"pidfile\" (expected name, url, pid"},
    {"{\"nodes\":[{\"name\":\"n1\",\"pid-file\":\"x\"}]}", "unknown field \"pid-file\""},
    {"{\"nodes\":[{\"url\":\"http://x:1\"}]}", "c.json: nodes[0]: no \"name\""},
    {"{\"nodes\":[{\"name\":\"n 1\"}]}", "name must be a string of letters"},
    {"{\"nodes\":[{\"name\":\"n1\"},{\"name\":\"n1\"}]}", "two nodes are called 'n1'"},
    {"{\"nodes\":[{\"name\":\"n1\",\"pid\":\"12\"}]}", "pid must be an integer"},
    {"{\"nodes\":[{\"name\":\"n1\",\"pid\":-3}]}", "pid must be a process id"},
    {"{\"nodes\":[{\"name\":\"n1\",\"peer\":\"12380\"}]}", "peer must be HOST:PORT"},
    {"{\"nodes\":[{\"name\":\"n1\",\"peer_target\":\"h:99999\"}]}", "peer_target must be HOST:PORT"},
    {"{\"nodes\":[{\"name\":\"n1\",\"url\":\"ftp://x\"}]}", "url must start with http://"},
    {"{\"nodes\":[{\"name\":\"n1\",\"start\":\"\"}]}", "start must be a non-empty string"},
    {"{\"nodes\":[]}", "\"nodes\" must be a non-empty array"},
    {"{\"nodes\":[{\"name\":\"n1\"}],\"proxy\":\"x\"}",
     "c.json: unknown field \"proxy\" (expected nodes, admin, leader, leader_cmd)"},
    {"{\"nodes\":[{\"name\":\"n1\"}],\"admin\":\"127.0.0.1:9000\"}", "admin must be a URL"},
    {"{\"nodes\":[{\"name\":\"n1\"}],\"leader\":{\"path\":\"/s\"}}", "needs \"path\" and \"match\""},
    {"{\"nodes\":[{\"name\":\"n1\"}],\"leader\":{\"path\":\"s\",\"match\":\"x\"}}",
     "path must start with '/'"},
    {"{\"nodes\":[{\"name\":\"n1\"}],\"leader\":{\"path\":\"/s\",\"match\":\"x\",\"m\":1}}",
     "c.json: leader: unknown field \"m\""},
    {"{\"nodes\":[{\"name\":\"n1\",\"name\":\"n2\"}]}", "c.json:1:"},
    {"{\"nodes\":[{\"name\":\"n1\"}", "c.json:1:"},
    {"[1]", "expected an object"},
};

Test(cluster, errors_say_where_and_why)
{
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        clu_desc c = {0};
        sbuf why = {0};
        cr_assert(!clu_load_text(bad[i].json, "c.json", &c, &why), "%s loaded", bad[i].json);
        cr_assert(strstr(sbuf_str(&why), bad[i].error), "%s: said '%s', want '%s'", bad[i].json,
                  sbuf_str(&why), bad[i].error);
        cr_assert_eq(c.n, 0, "freed on error");
        sbuf_free(&why);
    }
}

Test(cluster, missing_file)
{
    clu_desc c = {0};
    sbuf why = {0};
    cr_assert(!clu_load_file("/nonexistent/c.json", &c, &why));
    cr_assert(strstr(sbuf_str(&why), "/nonexistent/c.json"), "%s", sbuf_str(&why));
    sbuf_free(&why);
}

Test(cluster, node_specs)
{
    clu_desc c = {0};
    sbuf why = {0};
    cr_assert(clu_add_node_spec(&c, "n1,url=http://127.0.0.1:7001,pid=77,peer-target=127.0.0.1:9,"
                                    "start=exec x --a=1,b", &why), "%s", sbuf_str(&why));
    cr_assert(clu_add_node_spec(&c, "n2,pid_file=/run/n2.pid", &why), "%s", sbuf_str(&why));
    cr_assert(clu_add_node_spec(&c, "n3", &why));
    cr_assert_eq(c.n, 3);
    cr_assert_str_eq(c.nodes[0].url, "http://127.0.0.1:7001");
    cr_assert_eq(c.nodes[0].pid, 77);
    cr_assert_str_eq(c.nodes[0].peer_target, "127.0.0.1:9");
    cr_assert_str_eq(c.nodes[0].start, "exec x --a=1,b", "start takes the rest, commas and all");
    cr_assert_str_eq(c.nodes[1].pid_file, "/run/n2.pid");
    cr_assert(!clu_add_node_spec(&c, "n1", &why), "a name twice");
    cr_assert(strstr(sbuf_str(&why), "two nodes are called 'n1'"), "%s", sbuf_str(&why));
    sbuf_reset(&why);
    cr_assert(!clu_add_node_spec(&c, "n4,colour=red", &why));
    cr_assert(strstr(sbuf_str(&why), "--node 'n4': unknown key 'colour'"), "%s", sbuf_str(&why));
    sbuf_reset(&why);
    cr_assert(!clu_add_node_spec(&c, "n5,pid=x", &why));
    cr_assert(strstr(sbuf_str(&why), "pid must be a process id"), "%s", sbuf_str(&why));
    sbuf_reset(&why);
    cr_assert(!clu_add_node_spec(&c, ",url=http://x:1", &why));
    cr_assert(strstr(sbuf_str(&why), "starts with the node's name"), "%s", sbuf_str(&why));
    clu_free(&c);
    sbuf_free(&why);
}

Test(cluster, split_addr)
{
    char host[64];
    int port;
    cr_assert(clu_split_addr("127.0.0.1:80", host, sizeof host, &port));
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 80);
    cr_assert(clu_split_addr("[::1]:443", host, sizeof host, &port));
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 443);
    cr_assert(clu_split_addr("localhost:65535", host, sizeof host, &port));
    cr_assert(!clu_split_addr("localhost", host, sizeof host, &port));
    cr_assert(!clu_split_addr(":80", host, sizeof host, &port));
    cr_assert(!clu_split_addr("h:0", host, sizeof host, &port));
    cr_assert(!clu_split_addr("h:8x", host, sizeof host, &port));
    cr_assert(!clu_split_addr("::1:80", host, sizeof host, &port));
    cr_assert(!clu_split_addr("[::1]80", host, sizeof host, &port));
}

Test(sockown, parses_proc_net_tcp_lines)
{
    sown_entry e;
    cr_assert(!sown_parse_line("  sl  local_address rem_address   st tx_queue rx_queue tr "
                               "tm->when retrnsmt   uid  timeout inode", false, &e));
    cr_assert(sown_parse_line("   3: 0100007F:3039 0100007F:D431 01 00000000:00000000 "
                              "00:00000000 00000000     0        0 98765 1 0000000000000000 20 "
                              "4 30 10 -1", false, &e));
    cr_assert_eq(e.lip, inet_addr("127.0.0.1"));
    cr_assert_eq(e.lport, 12345);
    cr_assert_eq(e.rport, 0xD431);
    cr_assert_eq(e.state, 1);
    cr_assert_eq(e.inode, 98765);
    cr_assert(sown_parse_line("   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 "
                              "00:00000000 00000000     0        0 555 1", false, &e));
    cr_assert_eq(e.state, SOWN_LISTEN);
    sown_entry t[2] = {e, e};
    t[1].state = 1;
    t[1].lip = inet_addr("127.0.0.1");
    t[1].rip = inet_addr("127.0.0.1");
    t[1].rport = 4000;
    t[1].inode = 556;
    cr_assert_eq(sown_listener(t, 2, inet_addr("127.0.0.1"), 8080), 555, "0.0.0.0 listens for all");
    cr_assert_eq(sown_find(t, 2, inet_addr("127.0.0.1"), 8080, inet_addr("127.0.0.1"), 4000), 556);
    cr_assert_eq(sown_find(t, 2, inet_addr("127.0.0.1"), 8080, inet_addr("127.0.0.1"), 4001), 0);
    /* tcp6: an IPv4-mapped address is read as IPv4; ::1 is not */
    cr_assert(sown_parse_line("   1: 0000000000000000FFFF00000100007F:0050 "
                              "0000000000000000FFFF00000100007F:C350 01 00000000:00000000 "
                              "00:00000000 00000000  1000        0 777 1", true, &e));
    cr_assert_eq(e.lip, inet_addr("127.0.0.1"));
    cr_assert_eq(e.lport, 80);
    cr_assert_eq(e.inode, 777);
    cr_assert(!sown_parse_line("   1: 00000000000000000000000001000000:0050 "
                               "00000000000000000000000001000000:C350 01 00000000:00000000 "
                               "00:00000000 00000000  1000        0 778 1", true, &e));
    cr_assert(!sown_parse_line("   1: 0100007G:0050 0100007F:C350 01 0:0 0:0 0 0 0 9", false,
                               &e), "a bad hex digit");
}
