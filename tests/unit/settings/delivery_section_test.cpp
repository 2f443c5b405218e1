// The `delivery:` section: what a valid one gives, what the loader refuses (with the setting's
// path and line), and that files without it keep the old behaviour (the duty inbox alone).

#include <gtest/gtest.h>

#include "tests/unit/settings/settings_test_util.hpp"

using namespace gpwatch;
using namespace gpwatch::test;

namespace {

const std::string kDelivery =
    "delivery:\n"                                        // 9
    "  sinks:\n"                                         // 10
    "    - name: duty_smtp\n"                            // 11
    "      type: smtp\n"                                 // 12
    "      url: smtp://send.nhs.net:587\n"               // 13
    "      from: gpwatch@example.nhs.net\n"              // 14
    "      to: [duty-gp@example.nhs.net]\n"              // 15
    "      auth: xoauth2\n"                              // 16
    "      username: gpwatch@example.nhs.net\n"          // 17
    "      oauth2_token_file: credential:nhsmail-token\n"  // 18
    "    - name: pager\n"                                // 19
    "      type: webhook\n"                              // 20
    "      url: https://pager.example/hook\n"            // 21
    "      secret_file: webhook.secret\n"                // 22
    "    - name: inbox\n"                                // 23
    "      type: maildir\n"                              // 24
    "  routes:\n"                                        // 25
    "    - severity: urgent\n"                           // 26
    "      sinks: [duty_smtp, pager]\n"                  // 27
    "    - severity: info\n"                             // 28
    "      sinks: duty_smtp\n"                           // 29
    "      digest: true\n"                               // 30
    "    - kind: internal\n"                             // 31
    "      reason: [disk_nearly_full, feed_disconnected]\n"  // 32
    "      sinks: pager\n"                               // 33
    "  default_sinks: [duty_smtp, inbox]\n"              // 34
    "  digest_window: 10m\n"                             // 35
    "  quiet_hours: true\n"                              // 36
    "  backlog_digest_after: 2h\n"                       // 37
    "  internal:\n"                                      // 38
    "    feed_disconnected_after: 15m\n"                 // 39
    "    disk_free_min: 2GB\n"                           // 40
    "    outbox_backlog_max: 50\n";                      // 41

}  // namespace

TEST(DeliverySection, AbsentGivesTheDutyInboxAndInternalAlertsTheAdminInbox) {
    const auto r = load(minimal_yaml());
    ASSERT_TRUE(r.settings) << all(r.errors);
    const auto& d = r.settings->delivery;
    EXPECT_FALSE(d.configured);
    ASSERT_EQ(d.sinks.size(), 2u);
    EXPECT_EQ(d.sinks[0].name, "duty_inbox");
    EXPECT_EQ(d.sinks[0].type, SinkType::maildir);
    EXPECT_EQ(d.sinks[0].inbox, "duty");
    EXPECT_EQ(d.sinks[1].name, "admin_inbox");
    EXPECT_EQ(d.sinks[1].type, SinkType::maildir);
    EXPECT_EQ(d.sinks[1].inbox, "admin");
    EXPECT_EQ(d.default_sinks, std::vector<std::string>{"duty_inbox"});
    ASSERT_EQ(d.routes.size(), 1u);
    EXPECT_EQ(d.routes[0].kinds, std::vector<std::string>{"internal"});
    EXPECT_EQ(d.routes[0].sinks, std::vector<std::string>{"admin_inbox"});
    EXPECT_FALSE(d.quiet_hours);
    // The inboxes' folders default to the state directory.
    EXPECT_EQ(r.settings->admin_inbox.maildir, r.settings->state_dir + "/admin-inbox");
    EXPECT_EQ(r.settings->duty_inbox.maildir, r.settings->state_dir + "/duty-inbox");
    EXPECT_EQ(d.flood_limit, 10);
    EXPECT_EQ(d.flood_window, std::chrono::minutes(10));
}

TEST(DeliverySection, AFullSectionLoads) {
    const auto r = load(minimal_yaml() + kDelivery);
    ASSERT_TRUE(r.settings) << all(r.errors);
    const auto& d = r.settings->delivery;
    EXPECT_TRUE(d.configured);
    ASSERT_EQ(d.sinks.size(), 3u);
    EXPECT_EQ(d.sinks[0].auth, "xoauth2");
    EXPECT_EQ(d.sinks[0].oauth2_token_file, "credential:nhsmail-token") << "systemd credentials kept as written";
    EXPECT_EQ(d.sinks[1].secret_file, kDataDir + "/webhook.secret") << "relative to the settings file";
    ASSERT_EQ(d.routes.size(), 3u);
    EXPECT_EQ(d.routes[0].sinks, (std::vector<std::string>{"duty_smtp", "pager"}));
    EXPECT_TRUE(d.routes[1].digest);
    EXPECT_EQ(d.routes[2].reasons, (std::vector<std::string>{"disk_nearly_full", "feed_disconnected"}));
    EXPECT_EQ(d.default_sinks, (std::vector<std::string>{"duty_smtp", "inbox"}));
    EXPECT_EQ(d.digest_window, std::chrono::minutes(10));
    EXPECT_TRUE(d.quiet_hours);
    EXPECT_EQ(d.backlog_digest_after, std::chrono::hours(2));
    EXPECT_EQ(d.internal.feed_disconnected_after, std::chrono::minutes(15));
    EXPECT_EQ(d.internal.disk_free_min_bytes, 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(d.internal.outbox_backlog_max, 50);
}

TEST(DeliverySection, ARouteNamingAnUndefinedSinkIsRefusedWithItsLine) {
    auto yaml = minimal_yaml() + kDelivery;
    yaml.replace(yaml.find("sinks: [duty_smtp, pager]"), 25, "sinks: [duty_smtp, pagr]");
    const auto r = load(yaml);
    EXPECT_FALSE(r.settings);
    const auto e = error_for(r, "delivery.routes[0].sinks");
    EXPECT_EQ(e.line, 27);
    EXPECT_NE(e.message.find("pagr"), std::string::npos);
}

TEST(DeliverySection, SecretsMustComeFromFilesAndTlsIsRequired) {
    auto yaml = minimal_yaml() + kDelivery;
    // A password written in the settings is not an option at all.
    yaml.replace(yaml.find("      oauth2_token_file"), 0, "      password: hunter2\n");
    auto r = load(yaml);
    EXPECT_FALSE(r.settings);
    EXPECT_NE(error_for(r, "delivery.sinks[0].password").message.find("unknown setting"), std::string::npos);

    yaml = minimal_yaml() + kDelivery;
    yaml.replace(yaml.find("https://pager.example/hook"), 26, "http://pager.example/hook");
    r = load(yaml);
    EXPECT_FALSE(r.settings);
    error_for(r, "delivery.sinks[1].url");

    yaml = minimal_yaml() + kDelivery;
    yaml.replace(yaml.find("      oauth2_token_file: credential:nhsmail-token\n"), 50, "");
    r = load(yaml);
    EXPECT_FALSE(r.settings);
    error_for(r, "delivery.sinks[0].oauth2_token_file");
}

TEST(DeliverySection, OptionsOfAnotherSinkTypeAreRefused) {
    auto yaml = minimal_yaml() + kDelivery;
    yaml.replace(yaml.find("      type: maildir\n"), 0, "      url: smtp://x:587\n");
    const auto r = load(yaml);
    EXPECT_FALSE(r.settings);
    EXPECT_NE(error_for(r, "delivery.sinks[2].url").message.find("does not apply to a maildir sink"),
              std::string::npos);
}

TEST(DeliverySection, BadValuesNameTheSetting) {
    for (const auto& [from, to, setting] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"digest_window: 10m", "digest_window: soon", "delivery.digest_window"},
             {"severity: urgent", "severity: critical", "delivery.routes[0].severity"},
             {"reason: [disk_nearly_full, ", "reason: [disk_full, ", "delivery.routes[2].reason"},
             {"disk_free_min: 2GB", "disk_free_min: 2 lots", "delivery.internal.disk_free_min"},
             {"type: webhook", "type: pigeon", "delivery.sinks[1].type"},
             {"quiet_hours: true", "quiet_hours: maybe", "delivery.quiet_hours"},
         }) {
        auto yaml = minimal_yaml() + kDelivery;
        yaml.replace(yaml.find(from), from.size(), to);
        const auto r = load(yaml);
        EXPECT_FALSE(r.settings) << to;
        error_for(r, setting);
    }
}
