// The wiring of gpwatchd's inlets: every source it reads from outside, in the order started.

#include "daemon/app/clinical_feed_inlet.hpp"
#include "daemon/app/inlet.hpp"
#include "daemon/app/mesh_inlet.hpp"

namespace gpwatch {

const std::vector<InletKind>& inlet_kinds() {
    static const std::vector<InletKind> kinds{ClinicalFeedInlet::kind(), MeshInlet::kind()};
    return kinds;
}

}  // namespace gpwatch
