"""The demo dataset: the 24 real organisations of reference_data/orgs/real_orgs.csv, and a
deterministic synthetic national set of organisations, sites, credentials, scopes, status events
and documents.

It is built first as plain records, with no writes (`build_demo` = `build_real` + `build_synthetic`:
the same seed and reference date give the same records, byte for byte), then written in one
transaction with bulk inserts (`load_demo`). Every organisation it writes carries DEMO_MARK in its
notes, so `demo_organisations()` finds all of it (sites, credentials and documents hang from
organisations).

The synthetic organisations, their numbers and their scopes are invented: the method references
follow the forms used on real certificates (TCVN, QCVN, ISO, ĐLVN, OIML ...), but the ĐLVN
numbers and the internal procedure codes are illustrative. Generated documents say "DEMO".
"""

import csv
import hashlib
import math
import random
import re
import textwrap
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate

import shapely
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone as django_timezone
from fpdf import FPDF

from geodata import reference, status
from geodata.addresses import AddressNormaliser
from geodata.geography import Commune, Geography, point_accuracy_m
from geodata.models import (
    AdministrativeUnit,
    Authority,
    Credential,
    CredentialEvent,
    Document,
    Field,
    InstrumentType,
    LocationMethod,
    Organisation,
    Scheme,
    ScopeItem,
    ServiceKind,
    Site,
    Standard,
)
from geodata.services.statistics import refresh_planner_statistics
from geodata.signals import registry_changed
from geodata.text import fold, nfc, normalise_standard_reference

DEMO_MARK = "[demo]"
REAL_ORGS = reference.REFERENCE_DIR / "orgs" / "real_orgs.csv"
DEFAULT_SITES = 3000
DEFAULT_SEED = 2025

COMMISSION_RENAMED_ON = date(2025, 3, 1)  # the Directorate became the National Commission
PROVINCES_ISSUE_FROM = date(2025, 7, 1)  # registrations and designations moved to provinces
BATCH = 1000

TESTING = ServiceKind.TESTING.value
CALIBRATION = ServiceKind.CALIBRATION.value
VERIFICATION = ServiceKind.VERIFICATION.value
CERTIFICATION = ServiceKind.CERTIFICATION.value
INSPECTION = ServiceKind.INSPECTION.value
ACCREDITATION = ServiceKind.ACCREDITATION.value

REINSTATED_PLAN = "reinstated"  # a target of the generator: suspended, then reinstated (valid)
STATUS_MIX = {  # share of the synthetic credentials, by their status on the reference date
    status.VALID: 70,
    status.EXPIRING: 7,
    status.EXPIRED: 10,
    status.SUSPENDED: 3,
    status.WITHDRAWN: 3,
    REINSTATED_PLAN: 4,
    status.NOT_YET_VALID: 3,
}


class RegistryNotEmpty(Exception):
    def __init__(self, organisations: int):
        self.organisations = organisations
        super().__init__(
            f"The registry already holds {organisations} organisation(s); the demo dataset is "
            "loaded only into an empty registry."
        )


# Records: what is built before anything is written -------------------------------------------


@dataclass
class OrgRecord:
    key: str
    name_vi: str
    name_en: str = ""
    short_name: str = ""
    tax_code: str = ""
    parent_key: str | None = None
    head_office_address: str = ""
    website: str = ""
    phone: str = ""
    email: str = ""
    source_url: str = ""
    notes: str = ""


@dataclass
class SiteRecord:
    key: str
    org_key: str
    name: str
    kinds: list[str]
    address: str
    province_code: str
    commune_code: str | None
    lon: float
    lat: float
    location_method: str
    location_accuracy_m: int | None
    legacy_province_name: str = ""
    legacy_district_name: str = ""
    legacy_commune_name: str = ""
    phone: str = ""
    email: str = ""
    opening_hours: str = ""


@dataclass
class ScopeRecord:
    field: str | None  # Field code
    product: str = ""
    test: str = ""
    method: str = ""
    range: str = ""
    instrument_type: str | None = None  # InstrumentType code


@dataclass
class EventRecord:
    kind: str
    effective_on: date
    reason: str = ""
    decision_number: str = ""


@dataclass
class CredentialRecord:
    key: str
    org_key: str
    scheme: str  # Scheme code
    number: str
    standard: str
    issuer: str  # Authority code
    issued_on: date
    valid_until: date | None
    site_keys: list[str]
    scope: list[ScopeRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    document_public: bool = True


@dataclass
class DemoData:
    organisations: list[OrgRecord] = field(default_factory=list)
    sites: list[SiteRecord] = field(default_factory=list)
    credentials: list[CredentialRecord] = field(default_factory=list)

    def __add__(self, other: "DemoData") -> "DemoData":
        return DemoData(
            self.organisations + other.organisations,
            self.sites + other.sites,
            self.credentials + other.credentials,
        )


# Vocabulary of the synthetic set --------------------------------------------------------------

PROVINCE_WEIGHTS = {  # current province code -> weight: cities first, then populous provinces
    "01": 22,
    "79": 26,
    "31": 7,
    "48": 6,
    "92": 4.5,
    "75": 5,
    "24": 4.5,
    "80": 3.5,
    "33": 3.5,
    "38": 3.5,
    "40": 3.5,
    "22": 3,
    "37": 3,
    "25": 3,
    "82": 3,
    "86": 3,
    "91": 3,
    "56": 3,
    "68": 3,
    "19": 2.5,
    "66": 2.5,
    "52": 2.5,
    "51": 2,
    "46": 2,
    "96": 2,
    "44": 1.8,
    "42": 1.8,
    "15": 1.5,
    "08": 1.5,
    "14": 1.2,
    "20": 1.2,
    "04": 0.8,
    "11": 0.8,
    "12": 0.6,
}
COMMUNE_WEIGHTS = {"Phường": 6.0, "Xã": 1.0, "Đặc khu": 0.3}
AREA_CODES = {
    "01": "024",
    "79": "028",
    "31": "0225",
    "48": "0236",
    "92": "0292",
    "04": "0206",
    "08": "0207",
    "11": "0215",
    "12": "0213",
    "14": "0212",
    "15": "0214",
    "19": "0208",
    "20": "0205",
    "22": "0203",
    "24": "0222",
    "25": "0210",
    "33": "0221",
    "37": "0229",
    "38": "0237",
    "40": "0238",
    "42": "0239",
    "44": "0233",
    "46": "0234",
    "51": "0255",
    "52": "0269",
    "56": "0258",
    "66": "0262",
    "68": "0263",
    "75": "0251",
    "80": "0276",
    "82": "0277",
    "86": "0270",
    "91": "0296",
    "96": "0290",
}
TAX_PREFIXES = {"01": "01", "79": "03", "31": "02", "48": "04", "92": "18"}
SOUTHERN_FROM = "75"  # province codes from here on write "ấp" where the north writes "thôn"

BRAND_FIRST = (
    "An",
    "Bảo",
    "Bình",
    "Đại",
    "Đông",
    "Gia",
    "Hải",
    "Hòa",
    "Hoàng",
    "Hồng",
    "Hưng",
    "Kim",
    "Lạc",
    "Long",
    "Minh",
    "Nam",
    "Ngọc",
    "Nhật",
    "Phú",
    "Phúc",
    "Phương",
    "Quang",
    "Sao",
    "Tân",
    "Thái",
    "Thành",
    "Thiên",
    "Thịnh",
    "Tiến",
    "Toàn",
    "Trường",
    "Việt",
    "Vĩnh",
    "Vạn",
    "Á",
    "Đức",
    "Khánh",
    "Trung",
)
BRAND_SECOND = (
    "An",
    "Bắc",
    "Bình",
    "Cường",
    "Dương",
    "Đạt",
    "Đức",
    "Gia",
    "Hà",
    "Hải",
    "Hưng",
    "Khang",
    "Long",
    "Lộc",
    "Minh",
    "Nam",
    "Phát",
    "Phong",
    "Quang",
    "Sơn",
    "Tâm",
    "Thành",
    "Thịnh",
    "Tín",
    "Trung",
    "Việt",
    "Vinh",
    "Á Châu",
    "Tiến",
    "Phúc",
)
STREETS = (
    "Trần Phú",
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hùng Vương",
    "Lý Thường Kiệt",
    "Hai Bà Trưng",
    "Quang Trung",
    "Nguyễn Trãi",
    "Lê Duẩn",
    "Trần Hưng Đạo",
    "Điện Biên Phủ",
    "Nguyễn Văn Linh",
    "Phạm Văn Đồng",
    "Võ Văn Kiệt",
    "Nguyễn Thị Minh Khai",
    "Lê Hồng Phong",
    "Ngô Quyền",
    "Phan Đình Phùng",
    "Bà Triệu",
    "Lạc Long Quân",
    "Âu Cơ",
    "Tôn Đức Thắng",
    "Cách Mạng Tháng Tám",
    "30 Tháng 4",
    "Nguyễn Tất Thành",
    "Lê Thánh Tông",
    "Hoàng Diệu",
    "Chu Văn An",
    "Nguyễn Du",
    "Phan Chu Trinh",
    "Lý Thái Tổ",
    "Trường Chinh",
    "Giải Phóng",
    "Hoàng Quốc Việt",
    "Nguyễn Chí Thanh",
    "Phạm Hùng",
    "Lê Văn Lương",
    "Kim Mã",
    "Xuân Thủy",
    "Nguyễn Văn Cừ",
    "Lê Văn Việt",
    "Cộng Hòa",
    "Hoàng Văn Thụ",
    "Bạch Đằng",
    "Yersinia",
    "Pasteur",
    "Mai Chí Thọ",
    "3 Tháng 2",
    "Tô Hiến Thành",
    "Nguyễn Đình Chiểu",
)
HIGHWAYS = ("Quốc lộ 1A", "Quốc lộ 5", "Quốc lộ 13", "Quốc lộ 14", "Quốc lộ 21", "Quốc lộ 51")
OPENING_HOURS = (
    "Mo-Fr 07:30-11:30,13:30-17:00",
    "Mo-Fr 08:00-12:00,13:00-17:00",
    "Mo-Fr 07:00-11:30,13:00-16:30",
    "Mo-Fr 08:00-17:00",
    "Mo-Fr 07:30-11:30,13:30-17:00; Sa 07:30-11:30",
)
STATION_HOURS = (
    "Mo-Sa 07:30-11:30,13:30-17:00",
    "Mo-Fr 07:00-11:30,13:00-17:00; Sa 07:00-11:00",
    "Mo-Sa 07:00-17:00",
    "Mo-Fr 07:30-11:30,13:30-17:00; Sa 07:30-11:30",
)

# Scope catalogues: (product, test, canonical method) by field; written in varied forms.
TESTS = {
    "chemical": [
        ("Nước uống đóng chai", "Hàm lượng Asen (As)", "TCVN 6626:2000"),
        ("Thực phẩm", "Hàm lượng chì (Pb)", "AOAC 999.10"),
        ("Phân bón", "Hàm lượng nitơ tổng số", "TCVN 8557:2010"),
        ("Thức ăn chăn nuôi", "Độ ẩm", "TCVN 4326:2001"),
        ("Xăng không chì", "Trị số octan (RON)", "ASTM D2699"),
        ("Dầu thực vật", "Chỉ số peroxit", "TCVN 6121:2018"),
        ("Rau, quả", "Dư lượng thuốc bảo vệ thực vật", "EN 15662:2018"),
        ("Nước khoáng, nước uống đóng chai", "Chỉ tiêu hóa lý theo quy chuẩn", "QCVN 6-1:2010/BYT"),
        ("Thực phẩm", "Kim loại nặng theo quy chuẩn", "QCVN 8-2:2011/BYT"),
    ],
    "biological": [
        ("Thực phẩm", "Tổng số vi sinh vật hiếu khí", "ISO 4833-1:2013"),
        ("Thực phẩm", "Salmonella spp.", "ISO 6579-1:2017"),
        ("Nước sinh hoạt", "Coliforms tổng số", "TCVN 6187-1:2019"),
        ("Thịt và sản phẩm thịt", "E. coli", "TCVN 7924-2:2008"),
        ("Thủy sản", "Listeria monocytogenes", "ISO 11290-1:2017"),
    ],
    "construction-materials": [
        ("Xi măng", "Độ bền nén", "TCVN 6016:2011"),
        ("Cát xây dựng", "Thành phần hạt", "TCVN 7572-2:2006"),
        ("Bê tông nặng", "Cường độ chịu nén", "TCVN 3118:1993"),
        ("Gạch bê tông", "Cường độ nén", "TCVN 6477:2016"),
        ("Thép cốt bê tông", "Giới hạn chảy, giới hạn bền kéo", "TCVN 7937-1:2013"),
        ("Sản phẩm, hàng hóa vật liệu xây dựng", "Các chỉ tiêu theo quy chuẩn", "QCVN 16:2023/BXD"),
    ],
    "mechanical": [
        ("Vật liệu kim loại", "Thử kéo ở nhiệt độ phòng", "ISO 6892-1:2019"),
        ("Vật liệu kim loại", "Độ cứng Rockwell", "ISO 6508-1:2016"),
        ("Thép làm cốt bê tông", "Thử uốn", "TCVN 198:2008"),
        (
            "Mũ bảo hiểm cho người đi mô tô, xe máy",
            "Khả năng hấp thụ xung động",
            "QCVN 2:2021/BKHCN",
        ),
        ("Thép làm cốt bê tông", "Các chỉ tiêu theo quy chuẩn", "QCVN 7:2019/BKHCN"),
    ],
    "non-destructive-testing": [
        ("Mối hàn", "Kiểm tra siêu âm", "ISO 17640:2018"),
        ("Mối hàn", "Chụp ảnh bức xạ", "ISO 17636-1:2013"),
        ("Kết cấu thép", "Kiểm tra thẩm thấu chất lỏng", "ISO 3452-1:2021"),
        ("Vật liệu sắt từ", "Kiểm tra bột từ", "ISO 17638:2016"),
    ],
    "electrical-electronic": [
        ("Thiết bị điện gia dụng", "An toàn điện", "TCVN 5699-1:2010"),
        ("Thiết bị điện, điện tử", "An toàn theo quy chuẩn", "QCVN 4:2009/BKHCN"),
        ("Thiết bị điện, điện tử", "Tương thích điện từ (EMC)", "QCVN 9:2012/BKHCN"),
        ("Dây và cáp điện", "Điện trở ruột dẫn", "TCVN 6612:2007"),
        ("Máy biến áp lực", "Thử nghiệm điện môi", "IEC 60076-3:2013"),
    ],
    "pharmaceutical": [
        ("Thuốc viên nén", "Định lượng hoạt chất bằng HPLC", "Dược điển Việt Nam V"),
        ("Thuốc viên nang", "Độ hòa tan", "Dược điển Việt Nam V"),
        ("Dược liệu", "Định tính bằng sắc ký lớp mỏng", "Dược điển Việt Nam V"),
        ("Mỹ phẩm", "Hàm lượng thủy ngân", "ACM THA 05"),
    ],
    "medical": [
        ("Máu toàn phần", "Tổng phân tích tế bào máu", "Quy trình nội bộ QT-HH-01"),
        ("Huyết thanh", "Định lượng glucose", "Quy trình nội bộ QT-HS-03"),
        ("Máu toàn phần", "HbA1c", "Quy trình nội bộ QT-HS-07"),
        ("Nước tiểu", "Tổng phân tích nước tiểu", "Quy trình nội bộ QT-NT-01"),
    ],
    "environment": [
        ("Nước thải", "Nhu cầu oxy hóa học (COD)", "SMEWW 5220C:2017"),
        ("Nước thải", "Tổng chất rắn lơ lửng (TSS)", "TCVN 6625:2000"),
        ("Nước mặt", "Các thông số theo quy chuẩn", "QCVN 08:2023/BTNMT"),
        ("Không khí xung quanh", "Bụi tổng số (TSP)", "TCVN 5067:1995"),
        ("Không khí xung quanh", "Các thông số theo quy chuẩn", "QCVN 05:2023/BTNMT"),
        ("Đất", "Hàm lượng kim loại nặng", "TCVN 6649:2000"),
    ],
}
# Calibration: (object, measured quantity, range, method) by field
CALIBRATIONS = {
    "mass": [
        ("Quả cân cấp chính xác E2, F1, F2, M1", "Khối lượng", "1 mg – 20 kg", "OIML R 111-1:2004"),
        ("Cân không tự động", "Khối lượng", "đến 60 t", "OIML R 76-1:2006"),
        ("Cân phân tích, cân kỹ thuật", "Khối lượng", "đến 1 000 g", "QTHC-KL-02"),
    ],
    "pressure": [
        ("Áp kế lò xo, áp kế điện tử", "Áp suất", "-0,1 MPa – 60 MPa", "ĐLVN 76:2001"),
        ("Huyết áp kế", "Áp suất", "0 – 300 mmHg", "QTHC-AS-03"),
    ],
    "temperature": [
        ("Nhiệt kế điện tử, can nhiệt", "Nhiệt độ", "-40 °C – 1 200 °C", "ĐLVN 138:2004"),
        ("Tủ sấy, tủ ấm, lò nung", "Nhiệt độ", "30 °C – 1 000 °C", "QTHC-NĐ-05"),
    ],
    "electrical-quantities": [
        ("Đồng hồ vạn năng", "Điện áp, dòng điện, điện trở", "0 – 1 000 V; 0 – 20 A", "QTHC-Đ-01"),
        ("Thiết bị đo điện trở cách điện", "Điện trở", "0 – 10 GOhm", "QTHC-Đ-04"),
        ("Công tơ điện chuẩn", "Năng lượng điện", "cấp 0,05 – 0,2", "IEC 62053-22:2020"),
    ],
    "length": [
        ("Thước cặp, panme", "Độ dài", "0 – 1 000 mm", "ĐLVN 15:2009"),
        ("Máy toàn đạc điện tử", "Góc, khoảng cách", "0 – 3 km", "QTHC-ĐD-02"),
        ("Máy thủy bình", "Độ cao", "góc nghiêng ±15'", "QTHC-ĐD-03"),
    ],
    "volume-flow": [
        ("Bình chuẩn kim loại", "Dung tích", "2 L – 1 000 L", "ĐLVN 47:2009"),
        ("Pipet, buret, bình định mức", "Dung tích", "1 mL – 2 000 mL", "ISO 8655-6:2022"),
    ],
    "force-hardness": [
        ("Máy thử kéo, nén vạn năng", "Lực", "0 – 2 000 kN", "ISO 7500-1:2018"),
        ("Máy đo độ cứng Rockwell", "Độ cứng", "20 – 70 HRC", "ISO 6508-2:2015"),
    ],
    "time-frequency": [("Đồng hồ bấm giây", "Thời gian", "0 – 24 h", "QTHC-TG-01")],
    "acoustics-vibration": [
        ("Máy đo âm thanh", "Mức áp suất âm", "30 – 130 dB", "IEC 61672-3:2013")
    ],
    "physicochemical": [
        ("Máy đo pH", "pH", "2 – 12 pH", "ĐLVN 31:2017"),
        ("Máy đo độ dẫn điện", "Độ dẫn điện", "0 – 200 mS/cm", "QTHC-HL-04"),
        ("Máy đo độ ẩm hạt", "Độ ẩm", "5 % – 35 %", "QTHC-HL-06"),
    ],
}
# Verification: instrument type -> (what is verified, range, method, field)
VERIFICATIONS = {
    "scale-non-automatic": (
        "Cân bàn, cân đĩa, cân đồng hồ lò xo",
        "đến 500 kg",
        "ĐLVN 13:2009",
        "mass",
    ),
    "scale-analytical": (
        "Cân phân tích, cân kỹ thuật",
        "đến 1 000 g, cấp chính xác I, II",
        "ĐLVN 16:2009",
        "mass",
    ),
    "scale-vehicle": ("Cân ô tô", "đến 150 t", "ĐLVN 30:2019", "mass"),
    "water-meter": ("Đồng hồ nước lạnh", "DN 15 – DN 50", "ĐLVN 17:2017", "volume-flow"),
    "electricity-meter": (
        "Công tơ điện xoay chiều",
        "1 pha, 3 pha; cấp 0,5 – 2",
        "ĐLVN 39:2012",
        "electrical-quantities",
    ),
    "fuel-dispenser": ("Cột đo xăng dầu", "đến 130 L/min", "ĐLVN 10:2017", "volume-flow"),
    "taxi-meter": ("Taximet", "", "ĐLVN 01:2011", "length"),
    "blood-pressure-monitor": (
        "Huyết áp kế lò xo, điện tử",
        "0 – 300 mmHg",
        "ĐLVN 09:2011",
        "pressure",
    ),
    "clinical-thermometer": ("Nhiệt kế y học", "35 °C – 42 °C", "ĐLVN 20:2017", "temperature"),
    "pressure-gauge": ("Áp kế", "đến 60 MPa", "ĐLVN 08:2011", "pressure"),
    "gas-meter": ("Đồng hồ đo khí", "G 1,6 – G 25", "ĐLVN 45:2017", "volume-flow"),
    "speed-camera": (
        "Phương tiện đo tốc độ phương tiện giao thông",
        "đến 250 km/h",
        "ĐLVN 83:2019",
        "length",
    ),
    "breath-alcohol-analyser": (
        "Phương tiện đo nồng độ cồn trong hơi thở",
        "0 – 2 mg/L",
        "ĐLVN 109:2017",
        "physicochemical",
    ),
    "tank-gauge": ("Xitec ô tô", "đến 50 m³", "ĐLVN 05:2011", "volume-flow"),
    "moisture-meter-grain": (
        "Phương tiện đo độ ẩm hạt",
        "5 % – 35 %",
        "ĐLVN 41:2017",
        "physicochemical",
    ),
}
COMMON_INSTRUMENTS = {  # how often a verification organisation covers each type
    "scale-non-automatic": 9,
    "water-meter": 6,
    "electricity-meter": 5,
    "fuel-dispenser": 6,
    "blood-pressure-monitor": 5,
    "taxi-meter": 3,
    "clinical-thermometer": 3,
    "pressure-gauge": 4,
    "scale-vehicle": 3,
    "scale-analytical": 3,
    "gas-meter": 1,
    "speed-camera": 1,
    "breath-alcohol-analyser": 1,
    "tank-gauge": 2,
    "moisture-meter-grain": 1,
}
CERTIFICATIONS = {
    "product-certification": [
        ("Mũ bảo hiểm cho người đi mô tô, xe máy", "Chứng nhận hợp quy", "QCVN 2:2021/BKHCN"),
        ("Đồ chơi trẻ em", "Chứng nhận hợp quy", "QCVN 3:2019/BKHCN"),
        ("Thép làm cốt bê tông", "Chứng nhận hợp quy", "QCVN 7:2019/BKHCN"),
        ("Thiết bị điện, điện tử", "Chứng nhận hợp quy", "QCVN 4:2009/BKHCN"),
        ("Sản phẩm, hàng hóa vật liệu xây dựng", "Chứng nhận hợp quy", "QCVN 16:2023/BXD"),
        ("Sản phẩm trồng trọt", "Chứng nhận VietGAP", "TCVN 11892-1:2017"),
        ("Sản phẩm nông nghiệp hữu cơ", "Chứng nhận hợp chuẩn", "TCVN 11041-2:2017"),
    ],
    "management-systems": [
        ("Hệ thống quản lý chất lượng", "Chứng nhận hệ thống quản lý", "ISO 9001:2015"),
        ("Hệ thống quản lý môi trường", "Chứng nhận hệ thống quản lý", "ISO 14001:2015"),
        (
            "Hệ thống quản lý an toàn và sức khỏe nghề nghiệp",
            "Chứng nhận hệ thống quản lý",
            "ISO 45001:2018",
        ),
        ("Hệ thống quản lý an toàn thực phẩm", "Chứng nhận hệ thống quản lý", "ISO 22000:2018"),
        ("Hệ thống quản lý an toàn thông tin", "Chứng nhận hệ thống quản lý", "ISO/IEC 27001:2022"),
    ],
}
INSPECTIONS = [
    ("Hàng hóa xuất nhập khẩu", "Giám định số lượng, khối lượng, chất lượng", "Quy trình QT-GĐ-01"),
    ("Xăng dầu, khí hóa lỏng", "Giám định số lượng tại bồn chứa", "ASTM D1250"),
    ("Than, quặng, khoáng sản", "Giám định khối lượng theo mớn nước", "Quy trình QT-GĐ-03"),
    ("Thép nhập khẩu", "Giám định chất lượng theo quy chuẩn", "QCVN 7:2019/BKHCN"),
    (
        "Máy móc, thiết bị đã qua sử dụng",
        "Giám định chất lượng, tình trạng kỹ thuật",
        "Quy trình QT-GĐ-05",
    ),
    ("Hàng nông sản", "Giám định chất lượng, vệ sinh hầm hàng", "Quy trình QT-GĐ-07"),
]
REGISTRATION_CODES = {TESTING: "TN", CERTIFICATION: "CN", INSPECTION: "GĐ"}
QCVN_ISSUERS = {  # the ministry named at the end of a QCVN -> who designates for it
    "BKHCN": None,
    "BYT": "byt",
    "BXD": "bxd",
    "BTNMT": "bnnmt",
    "BCT": "bct",
}

# Organisation types: name templates (Vietnamese, English; {b} the brand), fields, kinds
TESTING_SPECIALISMS = {
    "food": {
        "weight": 28,
        "fields": ["chemical", "biological"],
        "names": [
            ("Công ty TNHH Phân tích Kiểm nghiệm {b}", "{B} Analysis and Testing Co., Ltd."),
            ("Công ty Cổ phần Kiểm nghiệm Thực phẩm {b}", "{B} Food Testing JSC"),
            ("Trung tâm Phân tích và Kiểm nghiệm {b}", "{B} Analysis and Testing Centre"),
        ],
        "lab": "Phòng thí nghiệm Hóa – Vi sinh",
    },
    "construction": {
        "weight": 28,
        "fields": ["construction-materials", "mechanical"],
        "names": [
            (
                "Công ty Cổ phần Tư vấn và Kiểm định Xây dựng {b}",
                "{B} Construction Consulting and Testing JSC",
            ),
            (
                "Công ty TNHH Thí nghiệm Vật liệu Xây dựng {b}",
                "{B} Construction Materials Testing Co., Ltd.",
            ),
        ],
        "lab": "Phòng thí nghiệm Vật liệu xây dựng",
    },
    "environment": {
        "weight": 15,
        "fields": ["environment", "chemical"],
        "names": [
            ("Công ty TNHH Công nghệ Môi trường {b}", "{B} Environmental Technology Co., Ltd."),
            (
                "Trung tâm Quan trắc và Phân tích Môi trường {b}",
                "{B} Environmental Monitoring and Analysis Centre",
            ),
        ],
        "lab": "Phòng thí nghiệm Môi trường",
    },
    "electrical": {
        "weight": 8,
        "fields": ["electrical-electronic"],
        "names": [
            ("Công ty TNHH Thí nghiệm Điện {b}", "{B} Electrical Testing Co., Ltd."),
            (
                "Công ty Cổ phần Thử nghiệm Thiết bị Điện {b}",
                "{B} Electrical Equipment Testing JSC",
            ),
        ],
        "lab": "Phòng thử nghiệm Điện – Điện tử",
    },
    "pharmaceutical": {
        "weight": 6,
        "fields": ["pharmaceutical", "chemical"],
        "names": [("Công ty Cổ phần Kiểm nghiệm Dược phẩm {b}", "{B} Pharmaceutical Testing JSC")],
        "lab": "Phòng Kiểm nghiệm",
    },
    "ndt": {
        "weight": 8,
        "fields": ["non-destructive-testing", "mechanical"],
        "names": [
            ("Công ty TNHH Kiểm tra Không phá hủy {b}", "{B} Non-Destructive Testing Co., Ltd."),
            ("Công ty TNHH Kỹ thuật Thử nghiệm Cơ khí {b}", "{B} Mechanical Testing Co., Ltd."),
        ],
        "lab": "Phòng thử nghiệm Cơ – NDT",
    },
    "medical": {
        "weight": 7,
        "fields": ["medical"],
        "names": [
            ("Bệnh viện Đa khoa {b}", "{B} General Hospital"),
            ("Phòng khám Đa khoa {b}", "{B} General Clinic"),
        ],
        "lab": "Khoa Xét nghiệm",
    },
}
ORG_TYPES = {  # weight, name templates
    "verification": (
        24,
        [
            ("Công ty TNHH Kiểm định {b}", "{B} Verification Co., Ltd."),
            ("Công ty Cổ phần Kiểm định và Hiệu chuẩn {b}", "{B} Verification and Calibration JSC"),
            ("Công ty TNHH Kỹ thuật Đo lường {b}", "{B} Metrology Engineering Co., Ltd."),
        ],
    ),
    "testing": (30, None),
    "calibration": (
        15,
        [
            ("Công ty TNHH Hiệu chuẩn {b}", "{B} Calibration Co., Ltd."),
            (
                "Công ty Cổ phần Kỹ thuật Đo lường Hiệu chuẩn {b}",
                "{B} Measurement and Calibration Engineering JSC",
            ),
            (
                "Công ty TNHH Thiết bị và Hiệu chuẩn {b}",
                "{B} Instruments and Calibration Co., Ltd.",
            ),
        ],
    ),
    "certification": (
        9,
        [
            ("Công ty Cổ phần Chứng nhận {b}", "{B} Certification JSC"),
            (
                "Công ty TNHH Chứng nhận và Giám định {b}",
                "{B} Certification and Inspection Co., Ltd.",
            ),
            ("Trung tâm Chứng nhận {b}", "{B} Certification Centre"),
        ],
    ),
    "inspection": (
        9,
        [
            ("Công ty Cổ phần Giám định {b}", "{B} Inspection JSC"),
            ("Công ty TNHH Giám định và Kiểm tra {b}", "{B} Inspection and Survey Co., Ltd."),
        ],
    ),
}
SUSPENSION_REASONS = (
    "Không duy trì điều kiện hoạt động theo phạm vi đã đăng ký.",
    "Kết quả đánh giá giám sát có điểm không phù hợp nghiêm trọng.",
    "Theo đề nghị của tổ chức.",
    "Không tham gia thử nghiệm thành thạo theo quy định.",
)
WITHDRAWAL_REASONS = (
    "Tổ chức chấm dứt hoạt động.",
    "Không khắc phục điểm không phù hợp trong thời hạn đình chỉ.",
    "Theo đề nghị của tổ chức.",
    "Vi phạm quy định về hoạt động đánh giá sự phù hợp.",
)
REINSTATEMENT_REASON = "Đã khắc phục các điểm không phù hợp."


# Small helpers ----------------------------------------------------------------------------------


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def _title_ascii(text: str) -> str:
    return " ".join(word.capitalize() for word in fold(text).split())


def _vary_reference(method: str, rng: random.Random) -> str:
    """The method reference as people write it; the searchable form stays the same."""
    canonical = normalise_standard_reference(method)
    match = re.match(r"^(ISO/IEC|ISO|IEC|TCVN|QCVN|ĐLVN|OIML|SMEWW|EN|ASTM)\s+(.+)$", method)
    if not match:
        return method
    prefix, rest = match.groups()
    choice = rng.random()
    if choice < 0.55:
        return method
    if choice < 0.7:
        variant = f"{prefix}{rest}" if prefix not in ("OIML",) else method
    elif choice < 0.85:
        variant = f"{prefix} " + rest.replace(":", " : ").replace("/", " / ")
    else:
        variant = f"{prefix.lower()} " + re.sub(r":(\d{4})", r"-\1", rest).lower()
        variant = variant.replace("đlvn", "dlvn")
    return variant if normalise_standard_reference(variant) == canonical else method


class _Numbers:
    """Distinct random integers, drawn from a range that grows as it fills."""

    def __init__(self, rng: random.Random, limit: int, taken=()):
        self.rng, self.limit, self.taken = rng, limit, set(taken)

    def next(self) -> int:
        while len(self.taken) * 2 > self.limit:
            self.limit *= 2
        while True:
            n = self.rng.randint(1, self.limit)
            if n not in self.taken:
                self.taken.add(n)
                return n


# The real organisations -----------------------------------------------------------------------

REAL_KINDS = {
    "testing_lab": [TESTING],
    "calibration_lab": [CALIBRATION],
    "inspection_body": [INSPECTION],
    "certification_body": [CERTIFICATION],
    "verification_body": [VERIFICATION],
    "metrology_institute": [CALIBRATION, VERIFICATION],
    "accreditation_body": [ACCREDITATION],
}
REAL_FIELDS = (  # keyword in the folded name or notes -> fields of the illustrative scope
    ("dien", ["electrical-quantities", "electrical-electronic"]),
    ("hoa ly", ["physicochemical"]),
    ("moi truong", ["environment"]),
    ("duoc", ["pharmaceutical"]),
    ("pharmaceutical", ["pharmaceutical"]),
    ("biological", ["biological"]),
    ("chemical", ["chemical"]),
    ("khao sat", ["length"]),
    ("do dac", ["length"]),
)
_VALIDITY = re.compile(r"valid(?:ity)?\b[^0-9;]*?(?:(\d{1,2})/)?(\d{1,2})/((?:19|20)\d\d)")
_DECISION_DATE = re.compile(r"\bof (\d{1,2})/(\d{1,2})/((?:19|20)\d\d)")


def read_real_organisations() -> list[dict[str, str]]:
    with REAL_ORGS.open(encoding="utf-8", newline="") as file:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(file)]


def _website(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text if re.match(r"^https?://", text) else f"https://{text}"


def _validity(notes: str) -> tuple[date | None, date | None]:
    """(issued_on, valid_until) as the notes give them."""
    valid_until = issued_on = None
    if match := _VALIDITY.search(notes):
        day, month, year = match.groups()
        month, year = int(month), int(year)
        valid_until = date(year, month, int(day) if day else monthrange(year, month)[1])
    if match := _DECISION_DATE.search(notes):
        day, month, year = (int(g) for g in match.groups())
        issued_on = date(year, month, day)
    return issued_on, valid_until


def build_real(geography: Geography, on: date) -> DemoData:
    """The organisations of real_orgs.csv as they are known from their sources: an
    organisation each, its parent, a site where a place is known, and its accreditation where
    the source gives the number. Their scopes are illustrative (the sources do not list them)."""
    normaliser = AddressNormaliser.from_reference_files()
    rows = read_real_organisations()
    data = DemoData()
    by_name = {fold(row["name_vi"]): f"real-{row['id']}" for row in rows}
    parents = {}
    for row in rows:
        key = f"real-{row['id']}"
        parent_key = None
        if parent := row["parent_org_vi"]:
            parent_key = by_name.get(fold(parent)) or parents.get(fold(parent))
            if parent_key is None:
                parent_key = parents[fold(parent)] = f"real-parent-{len(parents) + 1}"
                data.organisations.append(
                    OrgRecord(
                        key=parent_key,
                        name_vi=parent,
                        notes=f"{DEMO_MARK} Cơ quan chủ quản được nêu trong real_orgs.csv.",
                    )
                )
        data.organisations.append(
            OrgRecord(
                key=key,
                name_vi=row["name_vi"],
                name_en=row["name_en"],
                parent_key=parent_key,
                head_office_address=row["address_vi"],
                website=_website(row["website"]),
                phone=row["phone"],
                source_url=row["source_url"],
                notes="\n".join(
                    filter(None, [row["notes"], f"{DEMO_MARK} real_orgs.csv: {row['id']}"])
                ),
            )
        )
        kinds = REAL_KINDS.get(row["org_type"], [TESTING])
        site = _real_site(row, key, kinds, geography, normaliser)
        if site:
            data.sites.append(site)
        if row["accreditation_no"]:
            data.credentials.append(_real_credential(row, key, kinds, site, on))
    return data


def _real_site(row, org_key, kinds, geography, normaliser) -> SiteRecord | None:
    address = row["accredited_location_vi"] or row["address_vi"]
    if not row["approx_lon"]:
        return None  # the source gives no place: the organisation is listed without a site
    lon, lat = round(float(row["approx_lon"]), 6), round(float(row["approx_lat"]), 6)
    method_text = fold(row["geocode_method"])
    if "legacy ward" in method_text:
        method = LocationMethod.COMMUNE_POINT
    elif "legacy district" in method_text:
        method = LocationMethod.DISTRICT_POINT
    else:
        method = LocationMethod.PROVINCE_POINT
    match = normaliser.normalise(address or row["old_province"])
    legacy = [row["old_ward"], row["old_district"], row["old_province"]]
    named = normaliser.legacy_names(match)
    if match.legacy_district_code and fold(named[1]) != fold(row["old_district"]):
        # The old_* columns describe another address of the organisation (its head office).
        legacy = named
    province = geography.provinces.get(match.province_code) if match.province_code else None
    province = province or geography.province_at(lon, lat)
    commune = None
    if match.status == "exact":
        commune = geography.communes[match.commune_code]
    elif match.status == "ambiguous":
        commune = (
            next(
                (
                    geography.communes[c]
                    for c in match.candidates
                    if geography.communes[c].shape is not None
                    and shapely.contains_xy(geography.communes[c].shape, lon, lat)
                ),
                None,
            )
            or geography.communes[match.candidates[0]]
        )
    elif method != LocationMethod.PROVINCE_POINT:
        commune = geography.commune_at(lon, lat, province.code)
    outside = (
        commune and commune.shape is not None and not shapely.contains_xy(commune.shape, lon, lat)
    )
    if outside and (inner := geography.inner_point(commune)):
        # The point was geocoded for another address: place the site at its commune's point.
        (lon, lat), method = inner, LocationMethod.COMMUNE_POINT
    accuracy = _real_accuracy(method, commune, match, geography)
    return SiteRecord(
        key=f"{org_key}-site",
        org_key=org_key,
        name=row["name_vi"],
        kinds=kinds,
        address=address or row["old_province"],
        province_code=province.code,
        commune_code=commune.code if commune else None,
        lon=lon,
        lat=lat,
        location_method=method,
        location_accuracy_m=accuracy,
        legacy_commune_name=legacy[0],
        legacy_district_name=legacy[1],
        legacy_province_name=legacy[2],
        phone=row["phone"],
    )


def _real_accuracy(method, commune, match, geography) -> int:
    if method == LocationMethod.COMMUNE_POINT and commune and commune.shape is not None:
        return point_accuracy_m(commune.shape, 100)
    if method == LocationMethod.COMMUNE_POINT:
        return 3000
    if method == LocationMethod.DISTRICT_POINT:
        return 10_000
    shape = geography.legacy_provinces.get(match.legacy_province_code or "")
    return point_accuracy_m(shape, 1000) if shape is not None else 50_000


def _real_credential(row, org_key, kinds, site, on) -> CredentialRecord:
    scheme = row["accreditation_scheme"].lower()
    standard = Standard.ISO_IEC_17020 if scheme == "vias" else Standard.ISO_IEC_17025
    issued_on, valid_until = _validity(row["notes"])
    if issued_on is None:
        issued_on = _years_later(valid_until, -5) if valid_until else _years_later(on, -2)
    rng = random.Random(row["id"])
    text = fold(f"{row['name_vi']} {row['name_en']} {row['notes']}")
    fields = next((f for keyword, f in REAL_FIELDS if keyword in text), None)
    scope = []
    for kind in kinds:
        scope += _scope_for(kind, rng, fields=fields, count=rng.randint(2, 4))
    return CredentialRecord(
        key=f"{org_key}-credential",
        org_key=org_key,
        scheme=scheme,
        number=row["accreditation_no"],
        standard=standard,
        issuer="boa",
        issued_on=issued_on,
        valid_until=valid_until,
        site_keys=[site.key] if site else [],
        scope=scope,
    )


# Scope items ------------------------------------------------------------------------------------


def _scope_for(kind, rng, fields=None, instruments=None, count=3) -> list[ScopeRecord]:
    """A few plausible scope lines for one kind of service."""
    if kind == TESTING:
        pool = [(f, item) for f in (fields or ["chemical"]) if f in TESTS for item in TESTS[f]]
        pool = pool or [("chemical", item) for item in TESTS["chemical"]]
        return [
            ScopeRecord(field=f, product=product, test=test, method=_vary_reference(method, rng))
            for f, (product, test, method) in rng.sample(pool, min(count, len(pool)))
        ]
    if kind == CALIBRATION:
        chosen = [f for f in (fields or []) if f in CALIBRATIONS] or rng.sample(
            sorted(CALIBRATIONS), 2
        )
        pool = [(f, item) for f in chosen for item in CALIBRATIONS[f]]
        return [
            ScopeRecord(
                field=f, product=obj, test=quantity, range=span, method=_vary_reference(method, rng)
            )
            for f, (obj, quantity, span, method) in rng.sample(pool, min(count, len(pool)))
        ]
    if kind == VERIFICATION:
        instruments = instruments or _instruments(rng, count)
        return [
            ScopeRecord(
                field=field_code,
                product=product,
                test="Kiểm định ban đầu, định kỳ, sau sửa chữa",
                range=span,
                method=_vary_reference(method, rng),
                instrument_type=code,
            )
            for code in instruments
            for product, span, method, field_code in [VERIFICATIONS[code]]
        ]
    if kind == CERTIFICATION:
        pool = [(f, item) for f in sorted(CERTIFICATIONS) for item in CERTIFICATIONS[f]]
        return [
            ScopeRecord(field=f, product=product, test=test, method=_vary_reference(method, rng))
            for f, (product, test, method) in rng.sample(pool, min(count, len(pool)))
        ]
    if kind == INSPECTION:
        return [
            ScopeRecord(
                field="inspection", product=product, test=test, method=_vary_reference(method, rng)
            )
            for product, test, method in rng.sample(INSPECTIONS, min(count, len(INSPECTIONS)))
        ]
    return []


def _instruments(rng: random.Random, count: int) -> list[str]:
    codes, weights = list(COMMON_INSTRUMENTS), list(COMMON_INSTRUMENTS.values())
    chosen = []
    while len(chosen) < min(count, len(codes)):
        code = rng.choices(codes, weights)[0]
        if code not in chosen:
            chosen.append(code)
    return chosen


def _qcvn_scope(kinds, fields, rng) -> list[ScopeRecord]:
    """Scope lines of a designation for technical regulations: the QCVN the organisation
    works to."""
    pool = []
    if TESTING in kinds:
        pool += [(f, i) for f in fields if f in TESTS for i in TESTS[f] if i[2].startswith("QCVN")]
    if CERTIFICATION in kinds:
        pool += [
            ("product-certification", i)
            for i in CERTIFICATIONS["product-certification"]
            if i[2].startswith("QCVN")
        ]
    if INSPECTION in kinds:
        pool += [("inspection", i) for i in INSPECTIONS if i[2].startswith("QCVN")]
    if not pool:
        return []
    chosen = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
    return [
        ScopeRecord(field=f, product=product, test=test, method=_vary_reference(method, rng))
        for f, (product, test, method) in chosen
    ]


# The synthetic national set ---------------------------------------------------------------------


@dataclass
class _Draft:
    """A credential before its dates, issuer and number are known."""

    org_key: str
    scheme: str
    standard: str
    site_keys: list[str]
    scope: list[ScopeRecord]
    province_code: str
    validity_years: int | None
    service: str = ""  # testing, certification or inspection for conformity registrations
    qcvn_issuer: str | None = None  # a ministry that designates for its own regulations
    foreign: str | None = None  # "a2la" or "ukas"
    medical: bool = False


class _Synthetic:
    def __init__(self, geography: Geography, n_sites: int, seed: int, on: date, taken):
        self.geo, self.n_sites, self.seed, self.on = geography, n_sites, seed, on
        self.rng = random.Random(seed)
        rng = self.rng
        self.data = DemoData()
        self.drafts: list[_Draft] = []
        self.names: set[str] = set()
        self.tax_codes: set[str] = set()
        taken = taken or {}
        self.numbers = {
            "vilas": _Numbers(rng, 1500, taken.get("vilas", ())),
            "vilas-med": _Numbers(rng, 400),
            "vicas": _Numbers(rng, 300, taken.get("vicas", ())),
            "vias": _Numbers(rng, 200, taken.get("vias", ())),
            "dk-dgsph": _Numbers(rng, 3000),
            "dk-dvdl": _Numbers(rng, 2000),
            "cd-qcvn": _Numbers(rng, 4000),
            "cd-pt-nhom-2": _Numbers(rng, 3000),
            "a2la": _Numbers(rng, 6000, range(1, 1000)),
            "ukas": _Numbers(rng, 9000, range(1, 1000)),
        }
        self.province_codes = list(geography.provinces)
        self.province_weights = [PROVINCE_WEIGHTS.get(c, 1.0) for c in self.province_codes]
        self.commune_choices = {}
        for code in self.province_codes:
            communes = [c for c in geography.by_province.get(code, []) if self._usable(c)]
            weights = [COMMUNE_WEIGHTS.get(c.unit_type, 1.0) for c in communes]
            self.commune_choices[code] = (communes, list(accumulate(weights)))

    def _usable(self, commune: Commune) -> bool:
        province = self.geo.provinces[commune.province_code].shape
        if commune.shape is not None:
            return shapely.intersects(commune.shape, province)
        return commune.lon is not None

    # The whole set

    def build(self) -> DemoData:
        n_orgs = 0
        provinces_by_weight = sorted(
            self.province_codes, key=lambda c: (-PROVINCE_WEIGHTS.get(c, 1.0), c)
        )
        for province_code in provinces_by_weight:  # a technical centre in each province
            if self._remaining() <= 0:
                break
            n_orgs += 1
            self._provincial_centre(n_orgs, province_code)
        if self._remaining() >= 2 and self.n_sites >= 100:
            n_orgs += 1
            self._accreditation_body(n_orgs)
        org_types = list(ORG_TYPES)
        type_weights = [ORG_TYPES[t][0] for t in org_types]
        while self._remaining() > 0:
            n_orgs += 1
            self._organisation(n_orgs, self.rng.choices(org_types, type_weights)[0])
        self._complete_credentials()
        return self.data

    def _remaining(self) -> int:
        return self.n_sites - len(self.data.sites)

    def _site_count(self, weights=(60, 25, 10, 5)) -> int:
        return min(self._remaining(), self.rng.choices([1, 2, 3, 4], weights)[0])

    # Organisations

    def _provincial_centre(self, n: int, province_code: str):
        rng = self.rng
        province = self.geo.provinces[province_code]
        place = "TP. Hồ Chí Minh" if province_code == "79" else province.name
        key = f"demo-{n:05d}"
        org = OrgRecord(
            key=key,
            name_vi=f"Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng {place}",
            name_en=f"{_title_ascii(province.name)} Technical Centre for Standards, Metrology "
            "and Quality",
            tax_code=self._tax_code(province_code) if rng.random() < 0.5 else "",
            email=f"ttkt@{_slug(province.name)}.gov.vn",
            notes=f"{DEMO_MARK} Tổ chức mô phỏng (seed {self.seed}), không có thật.",
        )
        self.names.add(org.name_vi)
        self.data.organisations.append(org)
        sites = [
            self._site(org, 1, province_code, [VERIFICATION, CALIBRATION, TESTING], org.name_vi)
        ]
        for i in range(2, self._site_count((40, 40, 20, 0)) + 1):
            kinds = [VERIFICATION] + ([CALIBRATION] if rng.random() < 0.3 else [])
            sites.append(self._site(org, i, province_code, kinds, station=True))
        self._finish_organisation(
            org, sites, "centre", fields=["chemical", "construction-materials"]
        )

    def _accreditation_body(self, n: int):
        key = f"demo-{n:05d}"
        org = OrgRecord(
            key=key,
            name_vi="Văn phòng Công nhận Chất lượng (BoA) – dữ liệu mô phỏng",
            name_en="Bureau of Accreditation (BoA) – simulated record",
            short_name="BoA (demo)",
            website="https://www.boa.gov.vn",
            notes=f"{DEMO_MARK} Các địa điểm của tổ chức công nhận là mô phỏng (seed {self.seed}).",
        )
        self.data.organisations.append(org)
        sites = [
            self._site(org, 1, "01", [ACCREDITATION], org.name_vi),
            self._site(
                org, 2, "79", [ACCREDITATION], "Văn phòng Công nhận Chất lượng – Văn phòng phía Nam"
            ),
        ]
        org.head_office_address, org.phone = sites[0].address, sites[0].phone
        # The accreditation body issues credentials; it holds none in this registry.

    def _organisation(self, n: int, org_type: str):
        rng = self.rng
        specialism = None
        if org_type == "testing":
            specialisms = list(TESTING_SPECIALISMS)
            specialism = rng.choices(
                specialisms, [TESTING_SPECIALISMS[s]["weight"] for s in specialisms]
            )[0]
            templates = TESTING_SPECIALISMS[specialism]["names"]
        else:
            templates = ORG_TYPES[org_type][1]
        province_code = rng.choices(self.province_codes, self.province_weights)[0]
        brand, (name_vi, name_en) = self._name(templates, province_code)
        company = name_vi.startswith("Công ty")
        key = f"demo-{n:05d}"
        domain = f"{_slug(brand)}{rng.choice(['.vn', '.com.vn', '.com'])}"
        org = OrgRecord(
            key=key,
            name_vi=name_vi,
            name_en=name_en,
            tax_code=self._tax_code(province_code)
            if rng.random() < (0.9 if company else 0.4)
            else "",
            website=f"https://{domain}" if rng.random() < 0.6 else "",
            email=f"{rng.choice(['info', 'lienhe', 'kinhdoanh', 'hotro'])}@{domain}"
            if rng.random() < 0.7
            else "",
            notes=f"{DEMO_MARK} Tổ chức mô phỏng (seed {self.seed}), không có thật.",
        )
        self.data.organisations.append(org)
        fields = self._fields(org_type, specialism)
        lab = TESTING_SPECIALISMS[specialism]["lab"] if specialism else ""
        sites = []
        for i in range(1, self._site_count() + 1):
            kinds = self._kinds(org_type, specialism, first=i == 1)
            here = province_code
            if i > 1 and rng.random() < 0.3:
                here = rng.choices(self.province_codes, self.province_weights)[0]
            sites.append(
                self._site(
                    org,
                    i,
                    here,
                    kinds,
                    self._site_name(org, i, here, province_code, org_type, lab),
                    station=org_type == "verification",
                )
            )
        self._finish_organisation(org, sites, org_type, fields=fields, specialism=specialism)

    def _finish_organisation(self, org, sites, org_type, fields, specialism=None):
        org.head_office_address, org.phone = sites[0].address, sites[0].phone
        if org.email:
            for site in sites:
                site.email = org.email
        self._drafts(org, sites, org_type, fields, specialism)

    def _name(self, templates, province_code) -> tuple[str, tuple[str, str]]:
        rng = self.rng
        for attempt in range(40):
            first = rng.choice(BRAND_FIRST)
            second = rng.choice(BRAND_SECOND)
            if first == second:
                continue
            brand = f"{first} {second}"
            if attempt >= 20:  # the common names are taken: name the place too
                brand = f"{brand} {self.geo.provinces[province_code].name}"
            vi, en = rng.choice(templates)
            name_vi = vi.format(b=brand)
            if name_vi not in self.names:
                self.names.add(name_vi)
                return brand, (name_vi, en.format(B=_title_ascii(brand)))
        k = len(self.names)
        brand = f"{rng.choice(BRAND_FIRST)} {rng.choice(BRAND_SECOND)} {k}"
        vi, en = rng.choice(templates)
        self.names.add(vi.format(b=brand))
        return brand, (vi.format(b=brand), en.format(B=_title_ascii(brand)))

    def _tax_code(self, province_code) -> str:
        prefix = TAX_PREFIXES.get(province_code) or f"{self.rng.randint(5, 63):02d}"
        while True:
            code = f"{prefix}{self.rng.randint(0, 99_999_999):08d}"
            if code not in self.tax_codes:
                self.tax_codes.add(code)
                return code

    def _fields(self, org_type, specialism) -> list[str]:
        if specialism:
            return list(TESTING_SPECIALISMS[specialism]["fields"])
        if org_type == "calibration":
            return self.rng.sample(sorted(CALIBRATIONS), self.rng.randint(2, 4))
        return []

    def _kinds(self, org_type, specialism, first) -> list[str]:
        r = self.rng.random
        if org_type == "verification":
            return [VERIFICATION] + ([CALIBRATION] if r() < 0.35 else [])
        if org_type == "testing":
            return [TESTING] + ([CALIBRATION] if specialism != "medical" and r() < 0.08 else [])
        if org_type == "calibration":
            kinds = [CALIBRATION]
            if r() < 0.3:
                kinds.append(VERIFICATION)
            if r() < 0.05:
                kinds.append(TESTING)
            return kinds
        if org_type == "certification":
            kinds = [CERTIFICATION]
            if first and r() < 0.25:
                kinds.append(INSPECTION)
            if first and r() < 0.1:
                kinds.append(TESTING)
            return kinds
        return [INSPECTION] + ([TESTING] if r() < 0.25 else [])

    def _site_name(self, org, i, here, home, org_type, lab) -> str:
        rng = self.rng
        if i == 1:
            if lab and rng.random() < 0.5:
                return f"{org.name_vi} – {lab}"
            if org_type == "calibration" and rng.random() < 0.5:
                return f"{org.name_vi} – Phòng Hiệu chuẩn"
            return org.name_vi
        if here != home:
            place = "TP. Hồ Chí Minh" if here == "79" else self.geo.provinces[here].name
            return f"Chi nhánh {org.name_vi} tại {place}"
        if lab:
            return f"{lab} số {i} – {org.name_vi}"
        return f"{org.name_vi} – Cơ sở {i}"

    # Sites

    def _site(self, org, i, province_code, kinds, name=None, station=False):
        rng = self.rng
        lon, lat, commune = self._place(province_code)
        if name is None:  # a verification station of a provincial centre
            name = f"Trạm Kiểm định Phương tiện đo {commune.name if commune else i}"
        address, legacy = self._address(province_code, commune)
        method = rng.choices(
            [LocationMethod.SURVEYED, LocationMethod.SUPPLIED, LocationMethod.GEOCODED],
            [20, 35, 45],
        )[0]
        accuracy = {
            LocationMethod.SURVEYED: lambda: rng.randint(1, 5),
            LocationMethod.SUPPLIED: lambda: rng.randint(5, 30),
            LocationMethod.GEOCODED: lambda: rng.choice([20, 30, 50, 80, 100, 150]),
        }[method]()
        hours = rng.choice(STATION_HOURS if station else OPENING_HOURS)
        site = SiteRecord(
            key=f"{org.key}-{i}",
            org_key=org.key,
            name=name,
            kinds=kinds,
            address=address,
            province_code=province_code,
            commune_code=commune.code if commune else None,
            lon=lon,
            lat=lat,
            location_method=method,
            location_accuracy_m=accuracy,
            legacy_commune_name=legacy[0],
            legacy_district_name=legacy[1],
            legacy_province_name=legacy[2],
            phone=self._phone(province_code),
            opening_hours=hours if rng.random() < 0.9 else "",
        )
        self.data.sites.append(site)
        return site

    def _place(self, province_code) -> tuple[float, float, Commune | None]:
        """A point in a commune of the province (weighted towards wards), inside the commune's
        boundary when communes have boundaries, always inside the province's."""
        rng = self.rng
        province = self.geo.provinces[province_code].shape
        communes, cumulative = self.commune_choices[province_code]
        for _ in range(3):
            if not communes:
                break
            commune = rng.choices(communes, cum_weights=cumulative)[0]
            if point := self._point_in(commune, province):
                return (*point, commune)
        # Fallback: anywhere in the province, then the commune that holds the point.
        minx, miny, maxx, maxy = province.bounds
        while True:
            x = round(rng.uniform(minx, maxx), 6)
            y = round(rng.uniform(miny, maxy), 6)
            if shapely.contains_xy(province, x, y):
                return x, y, self.geo.commune_at(x, y, province_code)

    def _point_in(self, commune: Commune, province) -> tuple[float, float] | None:
        rng = self.rng
        shape = commune.shape
        inside = (
            (lambda x, y: shapely.contains_xy(shape, x, y) and shapely.contains_xy(province, x, y))
            if shape is not None
            else (lambda x, y: shapely.contains_xy(province, x, y))
        )
        if shape is not None:
            radius = math.sqrt(shape.area / math.pi)
            cx, cy = (
                (commune.lon, commune.lat)
                if commune.lon is not None
                else (shape.centroid.x, shape.centroid.y)
            )
        else:
            radius, cx, cy = 0.01, commune.lon, commune.lat
        for _ in range(30):  # around the commune's point, where its centre usually is
            x = round(rng.gauss(cx, radius / 2), 6)
            y = round(rng.gauss(cy, radius / 2), 6)
            if inside(x, y):
                return x, y
        if shape is None:
            return None
        minx, miny, maxx, maxy = shape.bounds
        for _ in range(200):
            x = round(rng.uniform(minx, maxx), 6)
            y = round(rng.uniform(miny, maxy), 6)
            if inside(x, y):
                return x, y
        return None

    def _address(self, province_code, commune) -> tuple[str, list[str]]:
        """The address, written in the legacy form (commune, district, province before July
        2025) most of the time, else in the current two-level form; and the legacy names."""
        rng = self.rng
        province = self.geo.provinces[province_code]
        urban = commune is None or commune.unit_type == "Phường"
        street = self._street(province_code, urban, commune)
        if commune is None:
            return f"{street}, {_lower_first(province.full_name)}", ["", "", ""]
        if commune.legacy and rng.random() < 0.6:
            old = rng.choice(commune.legacy)
            style = rng.random()
            if style < 0.6:
                parts = [
                    _lower_first(old.full_name),
                    _lower_first(old.district_full_name),
                    _lower_first(old.province_full_name),
                ]
            elif style < 0.85:
                parts = [
                    _abbreviate(old.full_name),
                    _abbreviate(old.district_full_name),
                    _abbreviate(old.province_full_name),
                ]
            else:
                parts = [old.full_name, old.district_full_name, old.province_full_name]
            return ", ".join([street, *parts]), [old.name, old.district_name, old.province_name]
        parts = [_lower_first(commune.full_name), _lower_first(province.full_name)]
        if rng.random() < 0.3:
            parts = [_abbreviate(commune.full_name), _abbreviate(province.full_name)]
        return ", ".join([street, *parts]), ["", "", ""]

    def _street(self, province_code, urban, commune) -> str:
        rng = self.rng
        if urban:
            street = rng.choice(STREETS)
            number = rng.randint(1, 450)
            form = rng.random()
            if form < 0.4:
                return f"Số {number} {'phố' if province_code == '01' else 'đường'} {street}"
            if form < 0.65:
                return f"{number} {street}"
            if form < 0.8:
                return f"{number}/{rng.randint(1, 60)} {street}"
            if form < 0.9:
                return f"Số {number}, ngõ {rng.randint(2, 300)}, {street}"
            return f"Lô {rng.choice('ABCDE')}{rng.randint(1, 30)}, Khu công nghiệp {commune.name}"
        form = rng.random()
        if form < 0.5:
            village = "Ấp" if province_code >= SOUTHERN_FROM else rng.choice(["Thôn", "Xóm"])
            return f"{village} {rng.randint(1, 12)}"
        if form < 0.8:
            return f"Km {rng.randint(2, 1800)}, {rng.choice(HIGHWAYS)}"
        return f"Cụm công nghiệp {commune.name}"

    def _phone(self, province_code) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            prefix = rng.choice(["090", "091", "093", "094", "096", "097", "098", "086", "088"])
            return (
                f"{prefix}{rng.randint(0, 9)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
            )
        area = AREA_CODES.get(province_code, "024")
        digits = 8 if len(area) == 3 else 7
        number = f"{rng.randint(2, 3)}{rng.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"
        if digits == 8:
            return f"{area} {number[:4]} {number[4:]}"
        return f"{area} {number[:3]} {number[3:]}"

    # Credentials

    def _drafts(self, org, sites, org_type, fields, specialism):
        rng = self.rng
        home = sites[0].province_code
        medical = specialism == "medical"

        def having(*kinds):
            return [s.key for s in sites if set(kinds) & set(s.kinds)]

        def draft(scheme, site_keys, scope, years, standard="", **extra):
            if site_keys:
                self.drafts.append(
                    _Draft(org.key, scheme, standard, site_keys, scope, home, years, **extra)
                )

        kinds = {k for s in sites for k in s.kinds}
        instruments = _instruments(rng, rng.randint(2, 6)) if VERIFICATION in kinds else []
        lab_sites = [s for s in sites if {TESTING, CALIBRATION} & set(s.kinds)]
        accredited = lab_sites and rng.random() < (0.6 if org_type == "centre" else 0.75)
        if accredited:
            groups = [[s] for s in lab_sites] if rng.random() < 0.5 else [lab_sites]
            for group in groups:
                group_kinds = [
                    k for k in (TESTING, CALIBRATION) if any(k in s.kinds for s in group)
                ]
                scope = [
                    item
                    for k in group_kinds
                    for item in _scope_for(k, rng, fields=fields, count=rng.randint(2, 5))
                ]
                draft(
                    "vilas",
                    [s.key for s in group],
                    scope,
                    5,
                    Standard.ISO_15189 if medical else Standard.ISO_IEC_17025,
                    medical=medical,
                )
        if TESTING in kinds and org_type == "testing" and not medical and rng.random() < 0.03:
            authority = rng.choice(["a2la", "ukas"])
            draft(
                "foreign-accreditation",
                having(TESTING),
                _scope_for(TESTING, rng, fields=fields, count=2),
                2,
                Standard.ISO_IEC_17025,
                foreign=authority,
            )
        registers_calibration = CALIBRATION in kinds and (not accredited or rng.random() < 0.6)
        if VERIFICATION in kinds or registers_calibration:
            scope = []
            if VERIFICATION in kinds:
                scope += _scope_for(VERIFICATION, rng, instruments=instruments)
            if CALIBRATION in kinds:
                scope += _scope_for(CALIBRATION, rng, fields=fields, count=rng.randint(1, 3))
            draft("dk-dvdl", having(VERIFICATION, CALIBRATION), scope, rng.choice([None, 5]))
        if VERIFICATION in kinds and rng.random() < 0.75:
            draft(
                "cd-pt-nhom-2",
                having(VERIFICATION),
                _scope_for(VERIFICATION, rng, instruments=instruments),
                rng.choice([3, 5]),
            )
        for service in (TESTING, CERTIFICATION, INSPECTION):
            if service not in kinds:
                continue
            needed = service != TESTING or not accredited
            if needed or rng.random() < 0.7:
                draft(
                    "dk-dgsph",
                    having(service),
                    _scope_for(service, rng, fields=fields, count=rng.randint(2, 4)),
                    rng.choice([None, 5, 5]),
                    service=service,
                )
        if CERTIFICATION in kinds and rng.random() < 0.5:
            draft(
                "vicas",
                having(CERTIFICATION),
                _scope_for(CERTIFICATION, rng, count=rng.randint(2, 4)),
                5,
                rng.choice([Standard.ISO_IEC_17065, Standard.ISO_IEC_17021_1]),
            )
        if INSPECTION in kinds and rng.random() < 0.5:
            draft(
                "vias",
                having(INSPECTION),
                _scope_for(INSPECTION, rng, count=rng.randint(2, 3)),
                5,
                Standard.ISO_IEC_17020,
            )
        if {TESTING, CERTIFICATION, INSPECTION} & kinds and not medical and rng.random() < 0.35:
            scope = _qcvn_scope(kinds, fields, rng)
            if scope:
                ministry = _qcvn_ministry(scope[0].method)
                scope = [s for s in scope if _qcvn_ministry(s.method) == ministry]
                draft(
                    "cd-qcvn",
                    having(TESTING, CERTIFICATION, INSPECTION),
                    scope,
                    rng.choice([3, 5]),
                    qcvn_issuer=QCVN_ISSUERS.get(ministry),
                )

    def _complete_credentials(self):
        rng = self.rng
        plans = list(STATUS_MIX)
        targets = rng.choices(plans, [STATUS_MIX[p] for p in plans], k=len(self.drafts))
        valid_positions = [i for i, t in enumerate(targets) if t == status.VALID]
        for plan in plans:  # every status at least once, in place of a valid one
            if plan not in targets and valid_positions:
                targets[valid_positions.pop(rng.randrange(len(valid_positions)))] = plan
        for n, (draft, target) in enumerate(zip(self.drafts, targets, strict=True), start=1):
            self.data.credentials.append(self._credential(n, draft, target))

    def _credential(self, n, draft: _Draft, target: str) -> CredentialRecord:
        rng, on = self.rng, self.on
        years = draft.validity_years
        if years is None and target in (status.EXPIRING, status.EXPIRED):
            years = 5
        issued_on, valid_until, events = _dates(rng, on, years, target)
        issuer = self._issuer(draft, issued_on)
        for event in events:
            event.decision_number = f"{rng.randint(1, 2999)}/{_decision_suffix(issuer)}"
        return CredentialRecord(
            key=f"{draft.org_key}-c{n}",
            org_key=draft.org_key,
            scheme=draft.scheme,
            number=self._number(draft, issuer, issued_on),
            standard=draft.standard,
            issuer=issuer,
            issued_on=issued_on,
            valid_until=valid_until,
            site_keys=draft.site_keys,
            scope=draft.scope,
            events=events,
            document_public=rng.random() < 0.9,
        )

    def _issuer(self, draft: _Draft, issued_on: date) -> str:
        if draft.scheme in ("vilas", "vicas", "vias"):
            return "boa"
        if draft.foreign:
            return draft.foreign
        if draft.qcvn_issuer:
            return draft.qcvn_issuer
        if issued_on >= PROVINCES_ISSUE_FROM and self.rng.random() < 0.8:
            return f"so-khcn-{draft.province_code}"
        return "tcdlcl" if issued_on < COMMISSION_RENAMED_ON else "ubtcdlcl"

    def _number(self, draft: _Draft, issuer: str, issued_on: date) -> str:
        scheme = draft.scheme
        if scheme == "vilas" and draft.medical:
            return f"VILAS MED {self.numbers['vilas-med'].next():03d}"
        if scheme == "vilas":
            return f"VILAS {self.numbers['vilas'].next():03d}"
        if scheme == "vicas":
            suffix = "PRO" if draft.standard == Standard.ISO_IEC_17065 else "MSC"
            return f"VICAS {self.numbers['vicas'].next():03d} - {suffix}"
        if scheme == "vias":
            return f"VIAS {self.numbers['vias'].next():03d}"
        if scheme == "foreign-accreditation":
            n = self.numbers[draft.foreign].next()
            return f"A2LA {n}.01" if draft.foreign == "a2la" else f"UKAS {n:04d}"
        n = self.numbers[scheme].next()
        provincial = issuer.startswith("so-khcn-")
        if scheme in ("dk-dgsph", "dk-dvdl") and provincial:
            return f"{n}/{issued_on.year}/ĐKHĐ-KHCN"
        if scheme == "dk-dvdl":
            return f"{n}/ĐK-TĐC"
        if scheme == "dk-dgsph":
            return f"{n}/{REGISTRATION_CODES[draft.service]}-TĐC"
        return f"{n}/{_decision_suffix(issuer)}"


def _lower_first(full_name: str) -> str:
    """ "Phường Nghĩa Đô" -> "phường Nghĩa Đô"; "Thành phố Hà Nội" -> "thành phố Hà Nội"."""
    return full_name[:1].lower() + full_name[1:]


_ABBREVIATIONS = (
    ("Thành phố ", "TP. "),
    ("Thị xã ", "TX. "),
    ("Thị trấn ", "TT. "),
    ("Phường ", "P. "),
    ("Quận ", "Q. "),
    ("Huyện ", "H. "),
    ("Xã ", "X. "),
)


def _abbreviate(full_name: str) -> str:
    for long, short in _ABBREVIATIONS:
        if full_name.startswith(long):
            return short + full_name[len(long) :]
    return full_name


def _qcvn_ministry(method: str) -> str:
    reference_ = normalise_standard_reference(method)
    return reference_.rsplit("/", 1)[-1] if "/" in reference_ else "BKHCN"


def _decision_suffix(issuer: str) -> str:
    if issuer == "boa":
        return "QĐ-VPCNCL"
    if issuer.startswith("so-khcn-"):
        return "QĐ-SKHCN"
    if issuer in ("byt", "bxd", "bct", "bnnmt"):
        return f"QĐ-{issuer.upper()}"
    return "QĐ-TĐC"


def _dates(rng, on, years, target) -> tuple[date, date | None, list[EventRecord]]:
    """Issue and expiry dates, and events, that give the target status on the date `on`."""
    span = 365 * years if years else None

    def ending_after(low_days):  # valid until at least low_days from now
        if span is None:
            issued = on - timedelta(days=rng.randint(200, 8 * 365))
            return issued, None
        remaining = rng.randint(low_days, span - 200)
        until = on + timedelta(days=remaining)
        return _years_later(until, -years), until

    events = []
    if target == status.NOT_YET_VALID:
        issued = on + timedelta(days=rng.randint(1, 45))
        return issued, _years_later(issued, years) if years else None, events
    if target == status.EXPIRING:
        until = on + timedelta(days=rng.randint(0, 90))
        return _years_later(until, -years), until, events
    if target == status.EXPIRED:
        until = on - timedelta(days=rng.randint(1, 900))
        return _years_later(until, -years), until, events
    issued, until = ending_after(120)
    if target == status.SUSPENDED:
        start = on - timedelta(days=rng.randint(1, min(150, (on - issued).days - 1)))
        events.append(EventRecord(status.SUSPENDED, start, rng.choice(SUSPENSION_REASONS)))
    elif target == status.WITHDRAWN:
        end = on - timedelta(days=rng.randint(1, min(365, (on - issued).days - 40)))
        if rng.random() < 0.5:
            start = end - timedelta(days=rng.randint(30, 35))
            events.append(EventRecord(status.SUSPENDED, start, rng.choice(SUSPENSION_REASONS)))
        events.append(EventRecord(status.WITHDRAWN, end, rng.choice(WITHDRAWAL_REASONS)))
    elif target == REINSTATED_PLAN:
        back = on - timedelta(days=rng.randint(1, max(1, min(120, (on - issued).days - 60))))
        start = back - timedelta(days=rng.randint(14, 50))
        events.append(EventRecord(status.SUSPENDED, start, rng.choice(SUSPENSION_REASONS)))
        events.append(EventRecord(status.REINSTATED, back, REINSTATEMENT_REASON))
    return issued, until, events


def build_synthetic(
    geography: Geography,
    n_sites: int = DEFAULT_SITES,
    seed: int = DEFAULT_SEED,
    on: date | None = None,
    taken: dict[str, set[int]] | None = None,
) -> DemoData:
    """`n_sites` invented sites across the 34 provinces with their organisations, credentials,
    scopes and events, the same for the same seed and reference date. `taken`: accreditation
    numbers (by scheme code) that must not be used, e.g. the real ones."""
    return _Synthetic(geography, n_sites, seed, on or django_timezone.localdate(), taken).build()


def build_demo(
    geography: Geography,
    n_sites: int = DEFAULT_SITES,
    seed: int = DEFAULT_SEED,
    on: date | None = None,
) -> DemoData:
    """What load_demo writes: the real organisations, then the synthetic set."""
    on = on or django_timezone.localdate()
    real = build_real(geography, on)
    return real + build_synthetic(geography, n_sites, seed, on, _taken_numbers(real))


def _taken_numbers(data: DemoData) -> dict[str, set[int]]:
    taken = {}
    for credential in data.credentials:
        if match := re.search(r"(\d+)", credential.number):
            taken.setdefault(credential.scheme, set()).add(int(match.group(1)))
    return taken


# Documents ------------------------------------------------------------------------------------

TITLES = {
    "accreditation": "Chứng chỉ công nhận",
    "dk-dgsph": "Giấy chứng nhận đăng ký hoạt động đánh giá sự phù hợp",
    "dk-dvdl": "Giấy chứng nhận đăng ký cung cấp dịch vụ kiểm định, hiệu chuẩn, thử nghiệm",
    "designation": "Quyết định chỉ định",
}


def _document_title(scheme: Scheme, number: str) -> str:
    title = TITLES.get(scheme.code) or TITLES[scheme.credential_kind]
    return f"{title} số {number}"


def _pdf_text(text: str) -> str:
    """The core PDF fonts cannot draw Vietnamese: fold the diacritics, keeping the case."""
    folded = "".join(map(_pdf_char, text))
    return folded.encode("latin-1", "replace").decode("latin-1")


@cache
def _pdf_char(ch: str) -> str:
    if ch.isspace() or ch in "–’":
        return {"–": "-", "’": "'"}.get(ch, ch)
    return fold(ch).upper() if ch.isupper() else fold(ch)


def document_pdf(
    credential: CredentialRecord, organisation: OrgRecord, sites, title: str, issuer_name: str
) -> bytes:
    """A one-page PDF standing for the credential's document, marked DEMO."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(credential.issued_on, time(8), tzinfo=UTC))
    pdf.set_title(_pdf_text(title))
    pdf.set_author(_pdf_text(issuer_name))
    pdf.set_producer("map_portal load_demo")
    pdf.add_page()

    def line(text, size=10, style="", height=6):
        # cell() on lines wrapped here: fpdf2's multi_cell is far slower for thousands of pages.
        pdf.set_font("helvetica", style=style, size=size)
        for part in textwrap.wrap(_pdf_text(text), width=int(950 / size)) or [""]:
            pdf.cell(0, height, part, new_x="LMARGIN", new_y="NEXT")

    pdf.set_text_color(200, 0, 0)
    line("DEMO - DỮ LIỆU MÔ PHỎNG, KHÔNG CÓ GIÁ TRỊ PHÁP LÝ", size=14, style="B", height=9)
    pdf.set_text_color(0, 0, 0)
    line(issuer_name.upper(), style="B")
    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM - Độc lập - Tự do - Hạnh phúc", size=9)
    pdf.ln(4)
    line(title.upper(), size=13, style="B", height=8)
    line(f"Số: {credential.number}")
    line(f"Cấp cho: {organisation.name_vi}")
    if organisation.head_office_address:
        line(f"Trụ sở: {organisation.head_office_address}")
    for site in sites[:4]:
        line(f"Địa điểm: {site.name} - {site.address}", size=9)
    if credential.standard:
        line(f"Chuẩn mực: {credential.standard}")
    until = f"{credential.valid_until:%d/%m/%Y}" if credential.valid_until else "không thời hạn"
    line(f"Hiệu lực: từ {credential.issued_on:%d/%m/%Y} đến {until}")
    if credential.scope:
        pdf.ln(2)
        line("Phạm vi:", style="B")
        for item in credential.scope[:10]:
            text = " - ".join(filter(None, [item.product, item.test, item.range, item.method]))
            line(f"- {text}", size=9, height=5)
    if organisation.source_url:
        pdf.ln(2)
        line(f"Nguồn: {organisation.source_url}", size=8, height=5)
    pdf.ln(4)
    line("Tài liệu mẫu do lệnh load_demo tạo ra.", size=8, height=5)
    return bytes(pdf.output())


# Writing ----------------------------------------------------------------------------------------


def demo_organisations():
    """Everything load_demo wrote hangs from these organisations."""
    return Organisation.objects.filter(notes__contains=DEMO_MARK)


@transaction.atomic
def load_demo(
    n_sites: int = DEFAULT_SITES,
    seed: int = DEFAULT_SEED,
    on: date | None = None,
    documents: bool = True,
) -> dict[str, int]:
    """Writes the real organisations and `n_sites` synthetic sites, in one transaction, into an
    empty registry (RegistryNotEmpty otherwise). Returns what it wrote, and the credentials by
    status on the reference date."""
    if organisations := Organisation.objects.count():
        raise RegistryNotEmpty(organisations)
    on = on or django_timezone.localdate()
    data = build_demo(Geography.from_database(), n_sites, seed, on)
    counts = _write(data, documents)
    registry_changed.send(__name__, organisation_ids=None)
    refresh_planner_statistics(
        Organisation, Site, Credential, Credential.sites.through, ScopeItem, CredentialEvent
    )
    counts["real organisations"] = sum(
        1 for o in data.organisations if o.key.startswith("real-") and o.source_url
    )
    statuses = Credential.objects.with_status(on).values_list("status", flat=True)
    for name in status.RANKED:
        counts[f"credentials {name} on {on:%Y-%m-%d}"] = sum(1 for s in statuses if s == name)
    return counts


def _write(data: DemoData, documents: bool) -> dict[str, int]:
    org_ids = _write_organisations(data.organisations)
    site_ids = _write_sites(data.sites, org_ids)
    schemes = {s.code: s for s in Scheme.objects.all()}
    authorities = {a.code: a for a in Authority.objects.all()}
    credentials = Credential.objects.bulk_create(
        [
            Credential(
                organisation_id=org_ids[c.org_key],
                scheme=schemes[c.scheme],
                number=nfc(c.number),
                standard=c.standard,
                issuer=authorities[c.issuer],
                issued_on=c.issued_on,
                valid_until=c.valid_until,
            )
            for c in data.credentials
        ],
        batch_size=BATCH,
    )
    through = Credential.sites.through
    through.objects.bulk_create(
        [
            through(credential_id=credential.pk, site_id=site_ids[key])
            for record, credential in zip(data.credentials, credentials, strict=True)
            for key in record.site_keys
        ],
        batch_size=BATCH * 5,
    )
    fields = dict(Field.objects.values_list("code", "pk"))
    instruments = dict(InstrumentType.objects.values_list("code", "pk"))
    scope = ScopeItem.objects.bulk_create(
        [
            ScopeItem(
                credential_id=credential.pk,
                field_id=fields.get(item.field),
                product=nfc(item.product),
                test=nfc(item.test),
                method=nfc(item.method),
                method_reference=normalise_standard_reference(item.method) if item.method else "",
                range=nfc(item.range),
                instrument_type_id=instruments.get(item.instrument_type),
            )
            for record, credential in zip(data.credentials, credentials, strict=True)
            for item in record.scope
        ],
        batch_size=BATCH * 5,
    )
    events = CredentialEvent.objects.bulk_create(
        [
            CredentialEvent(
                credential_id=credential.pk,
                kind=event.kind,
                effective_on=event.effective_on,
                reason=event.reason,
                decision_number=event.decision_number,
            )
            for record, credential in zip(data.credentials, credentials, strict=True)
            for event in record.events
        ],
        batch_size=BATCH,
    )
    written_documents = 0
    if documents:
        written_documents = _write_documents(data, credentials, org_ids, schemes, authorities)
    return {
        "organisations": len(org_ids),
        "sites": len(site_ids),
        "credentials": len(credentials),
        "scope items": len(scope),
        "status events": len(events),
        "documents": written_documents,
    }


def _write_organisations(records: list[OrgRecord]) -> dict[str, int]:
    ids = {}
    # Parents first, so that their subsidiaries can point at them.
    for wave in (
        [r for r in records if r.parent_key is None],
        [r for r in records if r.parent_key is not None],
    ):
        created = Organisation.objects.bulk_create(
            [
                Organisation(
                    name_vi=nfc(r.name_vi),
                    name_en=nfc(r.name_en),
                    short_name=r.short_name,
                    tax_code=r.tax_code,
                    parent_id=ids.get(r.parent_key),
                    head_office_address=nfc(r.head_office_address),
                    website=r.website,
                    phone=r.phone,
                    email=r.email,
                    source_url=r.source_url,
                    notes=r.notes,
                )
                for r in wave
            ],
            batch_size=BATCH,
        )
        ids.update({r.key: o.pk for r, o in zip(wave, created, strict=True)})
    return ids


def _write_sites(records: list[SiteRecord], org_ids) -> dict[str, int]:
    units = {
        (level, code): pk
        for level, code, pk in AdministrativeUnit.objects.filter(
            current=True, level__in=["province", "commune"]
        ).values_list("level", "code", "pk")
    }
    created = Site.objects.bulk_create(
        [
            Site(
                organisation_id=org_ids[r.org_key],
                name=nfc(r.name),
                kinds=r.kinds,
                address=nfc(r.address),
                province_id=units["province", r.province_code],
                commune_id=units.get(("commune", r.commune_code)) if r.commune_code else None,
                legacy_province_name=nfc(r.legacy_province_name),
                legacy_district_name=nfc(r.legacy_district_name),
                legacy_commune_name=nfc(r.legacy_commune_name),
                location=Point(r.lon, r.lat, srid=4326),
                location_method=r.location_method,
                location_accuracy_m=r.location_accuracy_m,
                phone=r.phone,
                email=r.email,
                opening_hours=r.opening_hours,
                published=True,
            )
            for r in records
        ],
        batch_size=BATCH,
    )
    return {r.key: s.pk for r, s in zip(records, created, strict=True)}


def _write_documents(data, credentials, org_ids, schemes, authorities) -> int:
    organisations = {o.key: o for o in data.organisations}
    sites = {s.key: s for s in data.sites}
    for record, credential in zip(data.credentials, credentials, strict=True):
        scheme, issuer = schemes[record.scheme], authorities[record.issuer]
        title = _document_title(scheme, record.number)
        content = document_pdf(
            record,
            organisations[record.org_key],
            [sites[k] for k in record.site_keys],
            title,
            issuer.name_vi,
        )
        kind = (
            Document.Kind.DECISION
            if scheme.credential_kind == "designation"
            else Document.Kind.CERTIFICATE
        )
        Document(
            kind=kind,
            number=nfc(record.number),
            title=nfc(title),
            issuer=issuer,
            issued_on=record.issued_on,
            valid_until=record.valid_until,
            file=ContentFile(content, name=f"{hashlib.sha256(content).hexdigest()}.pdf"),
            public=record.document_public,
            organisation_id=org_ids[record.org_key],
            credential=credential,
        ).save()
    return len(credentials)
