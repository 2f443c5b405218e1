#include "sim/common/london_time.hpp"

#include <cstdio>

namespace gpwatch::sim {

using namespace std::chrono;

std::chrono::seconds london_utc_offset(SysSeconds utc) {
    const year y = year_month_day{floor<days>(utc)}.year();
    const SysSeconds bst_start = sys_days{y / March / Sunday[last]} + hours{1};
    const SysSeconds bst_end = sys_days{y / October / Sunday[last]} + hours{1};
    return (utc >= bst_start && utc < bst_end) ? hours{1} : hours{0};
}

std::string london_rfc3339(SysSeconds utc) {
    const auto offset = london_utc_offset(utc);
    const SysSeconds local = utc + offset;
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> tod{local - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+%02d:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), static_cast<int>(duration_cast<hours>(offset).count()));
    return buf;
}

SysSeconds now_seconds() { return floor<seconds>(system_clock::now()); }

}  // namespace gpwatch::sim
