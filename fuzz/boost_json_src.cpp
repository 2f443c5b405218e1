// Boost.JSON's implementation, compiled into the fuzz target so the fuzzer instruments and
// sanitises it too (the main build links Debian's libboost_json instead).
#include <boost/json/src.hpp>
