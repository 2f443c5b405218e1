// The sink registry and the settings' table of sink types agree: every type the settings accept
// can be built, and the registry builds nothing the settings would refuse.

#include "daemon/alerts/sink_registry.hpp"

#include <gtest/gtest.h>

#include "proto/sink_types.hpp"

using namespace gpwatch;

TEST(SinkRegistry, EveryTypeTheSettingsAcceptHasABuilder) {
    for (const auto& t : sink_types()) EXPECT_TRUE(alerts::sink_builders().count(t.type)) << t.word;
    for (const auto& [type, builder] : alerts::sink_builders()) EXPECT_NE(find_sink_type(to_string(type)), nullptr) << to_string(type);
    EXPECT_EQ(sink_type_words(), "maildir, smtp, webhook or task");
}

TEST(SinkRegistry, AnUnbuildableSinkIsNamed) {
    Settings st;
    st.practice_ods = "C84001";
    SinkSettings s;
    s.name = "pager";
    s.type = SinkType::webhook;
    s.url = "http://not-https.example";
    s.secret_file = "/nonexistent";
    st.delivery.sinks = {s};
    try {
        alerts::build_sinks(st);
        FAIL() << "built a webhook sink with a plain http url";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("alert sink 'pager' (webhook)"), std::string::npos) << e.what();
    }
}
