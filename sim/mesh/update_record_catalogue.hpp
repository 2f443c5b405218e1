#pragma once
// What community pharmacies send in GP Connect Update Record messages: the senders, the three
// services, the seven Pharmacy First pathways and the medicines supplied for them. Service and
// pathway codes are those of docs/domain.md; dm+d codes are well-formed SNOMED extension ids
// (namespace 1000001, Verhoeff check digit) with real product names, not looked up in dm+d.

#include <string>
#include <vector>

namespace gpwatch::sim {

struct Pharmacy {
    std::string ods;      // e.g. FQW30
    std::string name;
    std::string mailbox;  // its MESH mailbox, the message's source.endpoint and mex-from
    std::string postcode;
};

struct Medicine {
    std::string dmd_code;
    std::string name;
    std::string quantity;
    std::string unit;        // e.g. Capsule
    std::string unit_code;   // SNOMED unit of presentation
    std::string days;
    std::string dosage;
    std::string route_code;  // SNOMED route
    std::string route;
    std::string supply_type;  // patient-group-direction, or over-the-counter (clinical pathway sale)
};

struct Pathway {
    std::string key;  // e.g. uti, used in the journal
    std::string condition_code;
    std::string condition;
    std::string summary;  // a line of the clinical impression
    std::vector<Medicine> medicines;
};

struct Service {
    std::string key;  // pharmacy-first, bp-check, contraception
    std::string code;
    std::string display;
};

const std::vector<Pharmacy>& pharmacies();
const std::vector<Pathway>& pharmacy_first_pathways();
const std::vector<Medicine>& contraceptives();
const Service& pharmacy_first_service();
const Service& bp_check_service();
const Service& contraception_service();

struct Coded {
    std::string code;
    std::string display;
};
// Safeguarding flags a pharmacist may raise (members of refset 999002381000000108 in spirit).
const std::vector<Coded>& safeguarding_flags();

}  // namespace gpwatch::sim
