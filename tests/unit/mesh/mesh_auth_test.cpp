#include "connectors/mesh/mesh_auth.hpp"

#include <gtest/gtest.h>

using namespace gpwatch::mesh;
using namespace std::chrono;

namespace {

const MeshCredentials creds{"C84001OT001", "password", "BackBone"};

// 2026-11-22 10:30 UTC.
system_clock::time_point at_1030() {
    return sys_days{year{2026} / November / 22} + hours(10) + minutes(30);
}

}  // namespace

// The expected hash was computed independently with Python's hmac module:
// hmac.new(b"BackBone", b"C84001OT001:<nonce>:1:password:202611221030", sha256).hexdigest()
TEST(MeshAuth, HeaderMatchesAnIndependentHmac) {
    std::string h = make_authorization(creds, "4bd3c3b0-d5d0-4f2a-9c1c-5c3b8e6b1f00", 1, at_1030());
    EXPECT_EQ(h,
              "NHSMESH C84001OT001:4bd3c3b0-d5d0-4f2a-9c1c-5c3b8e6b1f00:1:202611221030:"
              "a22c49fec934855c263703bad25720654aad7666d7248d7bea822f608b99d43f");
}

// Parsing the timestamp is the server's half: tests/unit/sim/mesh_token_check_test.cpp.
TEST(MeshAuth, TimestampIsUtcMinutes) {
    EXPECT_EQ(format_mesh_timestamp(at_1030()), "202611221030");
}
