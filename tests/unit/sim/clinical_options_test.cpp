#include "sim/clinical/clinical_options.hpp"

#include <gtest/gtest.h>

namespace gpwatch::sim {

TEST(ClinicalOptions, DefaultsMatchTheExampleSettings) {
    const ClinicalOptions o = parse_clinical_options({});
    EXPECT_EQ(o.listen_host, "127.0.0.1");
    EXPECT_EQ(o.listen_port, 8443);
    EXPECT_EQ(o.token, "gpwatch-sim-token");
    EXPECT_EQ(o.practice, "C84001");
    EXPECT_EQ(o.cert_dir, "/tmp/gpwatch-sim");
    EXPECT_DOUBLE_EQ(o.rate, 2);
    EXPECT_EQ(o.count, 0u);
    EXPECT_FALSE(o.seed.has_value());
    EXPECT_FALSE(o.chaos);
    EXPECT_DOUBLE_EQ(o.heartbeat, 5);
    EXPECT_DOUBLE_EQ(o.review_min, 5);
    EXPECT_DOUBLE_EQ(o.review_max, 40);
    EXPECT_EQ(o.backdate.count(), 0);
    EXPECT_EQ(o.update_records, "");
}

TEST(ClinicalOptions, ParsesEveryOption) {
    const ClinicalOptions o = parse_clinical_options(
        {"--listen", "127.0.0.1:0", "--token=abc", "--practice", "A81001", "--cert-dir", "/tmp/x", "--rate", "12.5",
         "--count", "100", "--seed", "42", "--journal", "/tmp/j", "--chaos", "--heartbeat", "0.5", "--review-delay",
         "1:2.5", "--backdate", "7d", "--update-records", "/tmp/mesh.jsonl"});
    EXPECT_EQ(o.listen_port, 0);
    EXPECT_EQ(o.token, "abc");
    EXPECT_EQ(o.practice, "A81001");
    EXPECT_DOUBLE_EQ(o.rate, 12.5);
    EXPECT_EQ(o.count, 100u);
    EXPECT_EQ(o.seed, 42u);
    EXPECT_EQ(o.journal, "/tmp/j");
    EXPECT_TRUE(o.chaos);
    EXPECT_DOUBLE_EQ(o.heartbeat, 0.5);
    EXPECT_DOUBLE_EQ(o.review_min, 1);
    EXPECT_DOUBLE_EQ(o.review_max, 2.5);
    EXPECT_EQ(o.backdate, std::chrono::hours(24 * 7));
    EXPECT_EQ(o.update_records, "/tmp/mesh.jsonl");
}

TEST(ClinicalOptions, BadOptionsNameTheOption) {
    auto message = [](std::vector<std::string> args) {
        try {
            parse_clinical_options(args);
        } catch (const OptionError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message({"--rate", "fast"}).find("--rate"), std::string::npos);
    EXPECT_NE(message({"--rate", "0"}).find("--rate"), std::string::npos);
    EXPECT_NE(message({"--listen", "8443"}).find("--listen"), std::string::npos);
    EXPECT_NE(message({"--listen", "127.0.0.1:70000"}).find("--listen"), std::string::npos);
    EXPECT_NE(message({"--review-delay", "9:3"}).find("--review-delay"), std::string::npos);
    EXPECT_NE(message({"--count", "-1"}).find("--count"), std::string::npos);
    EXPECT_NE(message({"--cert", "a.pem"}).find("--key"), std::string::npos);
    EXPECT_NE(message({"--seed"}).find("--seed"), std::string::npos);
    EXPECT_NE(message({"--backdate", "a week"}).find("--backdate"), std::string::npos);
    EXPECT_NE(message({"--backdate", "0"}).find("--backdate"), std::string::npos);
    EXPECT_NE(message({"--update-records", ""}).find("--update-records"), std::string::npos);
    EXPECT_NE(message({"--frobnicate"}).find("--frobnicate"), std::string::npos);
}

}  // namespace gpwatch::sim
