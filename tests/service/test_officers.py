"""The officer directory: officers act from WhatsApp by their registered number, only on their department."""
import itertools

_numbers = itertools.count(1)


def new_phone() -> str:
    return f"9196{next(_numbers):08d}"


def register(service, phone: str, department: str, *extra: str) -> None:
    done = service.cli(
        "officers", "add", "--name", "Test Officer", "--phone", phone, "--department", department, *extra
    )
    assert done.returncode == 0, done.stderr


def test_a_registered_officer_resolves_and_the_audit_trail_names_them(service):
    officer = new_phone()
    register(service, officer, "SWM_HEALTH")
    tracking = service.filed()

    response = service.staff_update(tracking, "resolved", officer_phone=officer)

    assert response.status_code == 200, response.text
    actor = service.scalar("SELECT a.actor FROM audit_entries a JOIN complaints c ON c.id = a.complaint_id "
                           "WHERE c.tracking_number = :t ORDER BY a.id DESC LIMIT 1", t=tracking)
    assert actor.startswith("officer:") and actor.endswith("Test Officer")
    assert officer not in actor


def test_an_unregistered_number_or_another_department_is_refused_and_nothing_changes(service):
    other_department = new_phone()
    register(service, other_department, "WATER")
    tracking = service.filed()

    strangers = [service.staff_update(tracking, "resolved", officer_phone=new_phone()),
                 service.staff_update(tracking, "resolved", officer_phone=other_department)]

    assert [r.status_code for r in strangers] == [403, 403]
    assert service.scalar("SELECT status FROM complaints WHERE tracking_number = :t", t=tracking) == "submitted"


def test_a_removed_officer_is_refused(service):
    officer = new_phone()
    register(service, officer, "SWM_HEALTH")
    assert service.cli("officers", "remove", "--phone", officer).returncode == 0
    tracking = service.filed()

    assert service.staff_update(tracking, "in_progress", officer_phone=officer).status_code == 403


def test_registration_checks_the_department_and_the_number(service):
    assert service.cli("officers", "add", "--name", "X", "--phone", new_phone(), "--department", "NOPE").returncode == 1
    assert service.cli("officers", "add", "--name", "X", "--phone", "12", "--department", "WATER").returncode == 1
    listed = service.cli("officers", "list")
    assert listed.returncode == 0 and "9196" not in listed.stdout  # numbers are masked


def test_an_officers_command_may_carry_no_words_but_a_staff_update_must(service):
    officer = new_phone()
    register(service, officer, "SWM_HEALTH")
    tracking = service.filed()

    wordless_officer = service.staff_update(tracking, "in_progress", officer_phone=officer, description=None)
    wordless_staff = service.staff_update(tracking, "resolved", description=None)

    assert wordless_officer.status_code == 200, wordless_officer.text
    assert wordless_staff.status_code == 400
