"""Whatever rows a file holds, the importer answers with a report and never writes part of a file
that it reports as not imported."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.models import Credential, CredentialEvent, ImportRun, Organisation, ScopeItem, Site
from geodata.services import ImportOptions, import_registry
from tests.geodata.importers import messy_files

pytestmark = pytest.mark.django_db

HEADERS = [
    "Tên tổ chức",
    "Mã số thuế",
    "Loại hình",
    "Địa chỉ",
    "Kinh độ",
    "Vĩ độ",
    "Tọa độ X (VN-2000)",
    "Tọa độ Y (VN-2000)",
    "Kinh tuyến trục",
    "Số hiệu",
    "Chương trình",
    "Cơ quan cấp",
    "Ngày cấp",
    "Ngày hết hạn",
    "Lĩnh vực",
    "Phương tiện đo",
    "Công bố",
]
PLAUSIBLE = {
    "Tên tổ chức": ["Trung tâm Kỹ thuật 1", "TRUNG TAM KY THUAT 1", "Công ty TNHH Kiểm định A"],
    "Mã số thuế": ["0100109106", "0100109106-001", "123", "01001091060011"],
    "Loại hình": ["Thử nghiệm", "Kiểm định; Hiệu chuẩn", "calibration", "sửa chữa"],
    "Địa chỉ": [
        "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
        "Số 49 Pasteur, phường Bến Nghé, quận 1, TP. Hồ Chí Minh",
        "xã Tân Tiến, huyện Văn Giang, tỉnh Hưng Yên",
        "Hà Nội",
        "Paris",
    ],
    "Kinh độ": ["105.794", "21.0451", "105°47'38\"E", "181", "-0", "1e400"],
    "Vĩ độ": ["21.0451", "105,794", "21°02'42\"N", "91"],
    "Tọa độ X (VN-2000)": ["2317000", "587000.5", "0"],
    "Tọa độ Y (VN-2000)": ["587000", "2317000,25"],
    "Kinh tuyến trục": ["105°30'", "48", "EPSG:3405", "999"],
    "Số hiệu": ["VILAS 216", "vilas216", "VICAS 012 - PRO", "12/ĐK-ĐL", "VIAS 1"],
    "Chương trình": ["VILAS", "Đăng ký kiểm định", "chỉ định", "không rõ"],
    "Cơ quan cấp": ["BoA", "Sở KH&CN Hà Nội", "Bộ Y tế", "ai đó"],
    "Ngày cấp": ["12/03/2024", "2024-03-12", "45363", "31/02/2024", "1-7-25"],
    "Ngày hết hạn": ["11/03/2029", "01/01/2020", "", "9999-99-99"],
    "Lĩnh vực": ["Hóa; Sinh", "Khối lượng", "Thiên văn"],
    "Phương tiện đo": ["Taximet", "Đồng hồ nước lạnh", "Máy bay"],
    "Công bố": ["Có", "Không", "có lẽ"],
}


def cell_values(header):
    return st.one_of(
        st.sampled_from(PLAUSIBLE[header]),
        st.just(""),
        st.text(max_size=40),
    )


def typed_values():
    """What a GeoJSON property may hold."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.lists(st.text(max_size=10), max_size=3),
    )


rows = st.lists(st.fixed_dictionaries({h: cell_values(h) for h in HEADERS}), max_size=8)
features = st.lists(
    st.fixed_dictionaries(
        {h: st.one_of(cell_values(h), typed_values()) for h in HEADERS[:6]},
    ),
    max_size=5,
)
points = st.lists(
    st.tuples(st.floats(-200, 200, allow_nan=False), st.floats(-100, 100, allow_nan=False)),
    min_size=5,
    max_size=5,
)


def registry_state():
    return tuple(
        model.objects.count()
        for model in (Organisation, Site, Credential, ScopeItem, CredentialEvent)
    )


def check(run: ImportRun, before: tuple):
    assert run.pk is not None and run.outcome in ("imported", "rejected")
    report = run.report
    assert sum(report["totals"][o] for o in ("created", "updated", "unchanged", "error")) == len(
        report["rows"]
    )
    if run.outcome == "rejected":
        assert registry_state() == before, "a rejected file must write nothing"
    else:
        assert all(row["outcome"] != "error" for row in report["rows"])
        assert not any(i["severity"] == "error" for i in report["file_issues"])
    for row in report["rows"]:
        for issue in row["issues"]:
            assert issue["message"]["vi"] and issue["message"]["en"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows)
def test_random_rows_in_a_csv_never_crash_the_importer_nor_half_write_a_file(rows):
    data = messy_files.write_csv([HEADERS, *[[r[h] for h in HEADERS] for r in rows]])
    before = registry_state()

    run = import_registry(data, "random.csv", ImportOptions())

    check(run, before)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(features=features, points=points)
def test_random_typed_properties_and_points_in_geojson_never_crash_the_importer(features, points):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(point)},
                "properties": properties,
            }
            for properties, point in zip(features, points, strict=False)
        ],
    }
    data = json.dumps(collection, allow_nan=False).encode()
    before = registry_state()

    run = import_registry(data, "random.geojson", ImportOptions())

    check(run, before)
