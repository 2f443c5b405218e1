#include "sim/mesh/update_record_catalogue.hpp"

namespace gpwatch::sim {

namespace {

const char* kOral = "26643006";
const char* kTopical = "6064005";
const char* kOtic = "10547007";
const char* kCapsule = "428641000";
const char* kTablet = "428673006";
const char* kMl = "258773002";
const char* kGram = "258682000";
const char* kPgd = "patient-group-direction";

}  // namespace

const std::vector<Pharmacy>& pharmacies() {
    static const std::vector<Pharmacy> list = {
        {"FQW30", "The Dispensers", "FQW30OT001", "LS1 4AP"},
        {"FA123", "Riverside Pharmacy", "FA123OT001", "LS6 2QR"},
        {"FX482", "Hillcrest Chemist", "FX482OT002", "LS8 1HT"},
        {"FK719", "Market Street Pharmacy", "FK719OT001", "WF1 1DG"},
        {"FPL22", "Meadow Lane Pharmacy", "FPL22OT001", "LS11 5BX"},
        {"FRT07", "Oakfield Pharmacy", "FRT07OT003", "BD1 3PB"},
    };
    return list;
}

const std::vector<Pathway>& pharmacy_first_pathways() {
    static const std::vector<Pathway> list = {
        {"uti", "1090711000000102", "Acute lower urinary tract infection",
         "Dysuria and frequency for two days, no fever, no loin pain. Meets the uncomplicated UTI criteria.",
         {{"39686511000001108", "Nitrofurantoin 100mg modified-release capsules", "6", "Capsule", kCapsule, "3",
           "One capsule twice a day for 3 days", kOral, "Oral route", kPgd}}},
        {"sinusitis", "15805002", "Acute sinusitis",
         "Facial pain and nasal discharge for twelve days, worsening after initial improvement.",
         {{"32215901000001103", "Phenoxymethylpenicillin 250mg tablets", "40", "Tablet", kTablet, "5",
           "Two tablets four times a day for 5 days", kOral, "Oral route", kPgd},
          {"31843021000001107", "Mometasone 50micrograms/dose nasal spray", "140", "dose", "3317411000001100", "14",
           "Two sprays into each nostril once a day", "46713006", "Nasal route", "over-the-counter"}}},
        {"insect-bite", "262550002", "Infected insect bite",
         "Redness spreading from an insect bite on the forearm, warm and tender, no systemic symptoms.",
         {{"32278111000001104", "Flucloxacillin 500mg capsules", "28", "Capsule", kCapsule, "7",
           "One capsule four times a day for 7 days (at least 1 hour before or 2 hours after food)", kOral,
           "Oral route", kPgd},
          {"39950121000001101", "Clarithromycin 500mg tablets", "14", "Tablet", kTablet, "7",
           "One tablet twice a day for 7 days", kOral, "Oral route", kPgd}}},
        {"otitis-media", "3110003", "Acute otitis media",
         "Ear pain for two days with a bulging red tympanic membrane on otoscopy.",
         {{"32222811000001109", "Phenoxymethylpenicillin 250mg/5ml oral solution", "100", "ml", kMl, "5",
           "10ml four times a day for 5 days", kOral, "Oral route", kPgd},
          {"32478311000001101", "Otigo 40mg/g / 10mg/g ear drops", "15", "ml", kMl, "7",
           "Four drops into the affected ear two or three times a day", kOtic, "Otic route", kPgd}}},
        {"sore-throat", "363746003", "Acute sore throat",
         "Sore throat, FeverPAIN score 4. Tonsillar exudate, no cough.",
         {{"32215901000001103", "Phenoxymethylpenicillin 250mg tablets", "80", "Tablet", kTablet, "10",
           "Two tablets four times a day for 10 days", kOral, "Oral route", kPgd}}},
        {"shingles", "4740000", "Herpes zoster",
         "Painful vesicular rash in a thoracic dermatome, onset 48 hours ago.",
         {{"39955911000001104", "Aciclovir 800mg tablets", "35", "Tablet", kTablet, "7",
           "One tablet five times a day for 7 days", kOral, "Oral route", kPgd},
          {"32092711000001102", "Valaciclovir 500mg tablets", "42", "Tablet", kTablet, "7",
           "Two tablets three times a day for 7 days", kOral, "Oral route", kPgd}}},
        {"impetigo", "48277006", "Impetigo",
         "Localised golden crusted lesions around the mouth, not bullous, patient systemically well.",
         {{"32584401000001101", "Hydrogen peroxide 1% cream", "25", "gram", kGram, "5",
           "Apply two or three times a day for 5 days", kTopical, "Topical route", kPgd},
          {"31860221000001102", "Fusidic acid 2% cream", "15", "gram", kGram, "5",
           "Apply three times a day for 5 days", kTopical, "Topical route", kPgd}}},
    };
    return list;
}

const std::vector<Medicine>& contraceptives() {
    static const std::vector<Medicine> list = {
        {"32216331000001100", "Desogestrel 75microgram tablets", "84", "Tablet", kTablet, "84",
         "One tablet daily at the same time each day", kOral, "Oral route", kPgd},
        {"32567101000001101", "Levonorgestrel 150microgram / Ethinylestradiol 30microgram tablets", "63", "Tablet",
         kTablet, "84", "One tablet daily for 21 days, then 7 tablet-free days", kOral, "Oral route", kPgd},
        {"39412011000001104", "Levonorgestrel 1.5mg tablets", "1", "Tablet", kTablet, "1", "One tablet as a single dose",
         kOral, "Oral route", kPgd},
    };
    return list;
}

const Service& pharmacy_first_service() {
    static const Service s{"pharmacy-first", "1577041000000109",
                           "Community Pharmacist Consultation Service for minor illness"};
    return s;
}

const Service& bp_check_service() {
    static const Service s{"bp-check", "1659111000000107", "Community Pharmacy Blood Pressure Check Service"};
    return s;
}

const Service& contraception_service() {
    static const Service s{"contraception", "1659121000000101", "Community Pharmacy Contraception Service"};
    return s;
}

const std::vector<Coded>& safeguarding_flags() {
    static const std::vector<Coded> list = {
        {"1155711000000106", "Safeguarding concern"},
        {"1321421000000104", "Child at risk"},
        {"1015071000000102", "At risk of domestic abuse"},
    };
    return list;
}

}  // namespace gpwatch::sim
