// The server half of the NHSMESH Authorization header (sim/mesh/mesh_request_auth.hpp) against
// tokens made by the shipped client half (connectors/mesh/mesh_auth.hpp).
#include "connectors/mesh/mesh_auth.hpp"
#include "sim/mesh/mesh_request_auth.hpp"

#include <gtest/gtest.h>

using namespace gpwatch::mesh;
using namespace gpwatch::sim;
using namespace std::chrono;

namespace {

const MeshCredentials creds{"C84001OT001", "password", "BackBone"};

system_clock::time_point at_1030() {
    return *parse_mesh_timestamp("202611221030");
}

}  // namespace

TEST(MeshTokenCheck, TimestampIsUtcMinutes) {
    EXPECT_EQ(format_mesh_timestamp(at_1030()), "202611221030");
    EXPECT_FALSE(parse_mesh_timestamp("2026112210"));
    EXPECT_FALSE(parse_mesh_timestamp("202613221030"));
    EXPECT_FALSE(parse_mesh_timestamp("20261122103x"));
}

TEST(MeshTokenCheck, FreshHeadersDifferAndCheckOk) {
    std::string a = fresh_authorization(creds), b = fresh_authorization(creds);
    EXPECT_NE(a, b);
    auto p = parse_authorization(a);
    ASSERT_TRUE(p);
    EXPECT_EQ(check_authorization(*p, creds, system_clock::now()), AuthCheck::ok);
}

TEST(MeshTokenCheck, RejectsWrongPasswordMailboxAndStaleTime) {
    auto p = parse_authorization(make_authorization(creds, "n", 1, at_1030()));
    ASSERT_TRUE(p);
    EXPECT_EQ(check_authorization(*p, creds, at_1030() + minutes(119)), AuthCheck::ok);
    EXPECT_EQ(check_authorization(*p, creds, at_1030() + minutes(121)), AuthCheck::stale_timestamp);
    EXPECT_EQ(check_authorization(*p, creds, at_1030() - minutes(121)), AuthCheck::stale_timestamp);
    MeshCredentials other = creds;
    other.password = "wrong";
    EXPECT_EQ(check_authorization(*p, other, at_1030()), AuthCheck::bad_hash);
    other = creds;
    other.mailbox = "X26OT001";
    EXPECT_EQ(check_authorization(*p, other, at_1030()), AuthCheck::wrong_mailbox);
}

TEST(MeshTokenCheck, ParseRefusesMalformedHeaders) {
    EXPECT_FALSE(parse_authorization("Bearer abc"));
    EXPECT_FALSE(parse_authorization("NHSMESH a:b:c:d"));
    EXPECT_FALSE(parse_authorization("NHSMESH a:b:c:d:e:f"));
    EXPECT_FALSE(parse_authorization("NHSMESH a::c:d:e"));
    EXPECT_TRUE(parse_authorization("NHSMESH a:b:c:d:e"));
}
