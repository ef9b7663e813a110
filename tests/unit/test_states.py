import pytest

from server.domain.states import (
    TRANSITIONS,
    OrderStatus,
    Role,
    TransitionContext,
    check_reschedule,
    legal_targets,
    transition,
)

E, D, Y = "engineer", "dispatcher", "system"

# (from, to, roles allowed, reason required) - written out from the life of an order.
LEGAL = [
    ("received", "assigned", {D, Y}, False),
    ("received", "cancelled", {D}, True),
    ("assigned", "accepted", {E}, False),
    ("assigned", "returned_to_dispatch", {E}, True),
    ("assigned", "cancelled", {D}, True),
    ("accepted", "contacted", {E}, False),
    ("accepted", "guided_by_phone", {E}, False),
    ("accepted", "returned_to_dispatch", {E}, True),
    ("accepted", "assigned", {D}, True),
    ("accepted", "cancelled", {D}, True),
    ("contacted", "scheduled", {E}, False),
    ("contacted", "guided_by_phone", {E}, False),
    ("contacted", "returned_to_dispatch", {E}, True),
    ("contacted", "assigned", {D}, True),
    ("contacted", "cancelled", {D}, True),
    ("scheduled", "departed", {E}, False),
    ("scheduled", "guided_by_phone", {E}, False),
    ("scheduled", "returned_to_dispatch", {E}, True),
    ("scheduled", "assigned", {D}, True),
    ("scheduled", "cancelled", {D}, True),
    ("guided_by_phone", "scheduled", {E}, False),
    ("guided_by_phone", "completed", {E, D}, False),
    ("guided_by_phone", "cancelled", {D}, True),
    ("departed", "on_site", {E}, False),
    ("departed", "scheduled", {E}, True),
    ("departed", "returned_to_dispatch", {E}, True),
    ("departed", "assigned", {D}, True),
    ("on_site", "diagnosed", {E}, False),
    ("diagnosed", "awaiting_consent", {E}, False),
    ("diagnosed", "in_repair", {E}, False),
    ("diagnosed", "awaiting_part", {E}, False),
    ("diagnosed", "taken_back", {E}, False),
    ("diagnosed", "completed", {E}, True),
    ("awaiting_consent", "in_repair", {E}, False),
    ("awaiting_consent", "completed", {E}, True),
    ("in_repair", "completed", {E}, False),
    ("in_repair", "awaiting_part", {E}, False),
    ("in_repair", "taken_back", {E}, False),
    ("awaiting_part", "in_repair", {E}, False),
    ("awaiting_part", "scheduled", {E, D}, False),
    ("awaiting_part", "returned_to_dispatch", {E}, True),
    ("awaiting_part", "cancelled", {D}, True),
    ("taken_back", "in_repair", {E}, False),
    ("taken_back", "awaiting_part", {E}, False),
    ("completed", "follow_up_done", {D, Y}, False),
    ("completed", "closed", {D, Y}, False),
    ("completed", "reopened", {D, Y}, True),
    ("follow_up_done", "closed", {D, Y}, False),
    ("follow_up_done", "reopened", {D, Y}, True),
    ("closed", "reopened", {D}, True),
    ("reopened", "assigned", {D, Y}, False),
    ("reopened", "contacted", {E}, False),
    ("reopened", "scheduled", {E}, False),
    ("returned_to_dispatch", "assigned", {D, Y}, False),
    ("returned_to_dispatch", "cancelled", {D}, True),
]

# A context that satisfies every guard: the path a careful engineer takes.
GOOD = TransitionContext(
    reason="customer asked", in_warranty=False, consent_given=True, follow_up_outcome="satisfied"
)


def test_the_table_holds_exactly_the_legal_transitions():
    expected = {(s, t): (roles, why) for s, t, roles, why in LEGAL}
    actual = {
        (s.value, t.value): ({r.value for r in rule.roles}, rule.reason_required)
        for (s, t), rule in TRANSITIONS.items()
    }
    assert actual == expected


@pytest.mark.parametrize(("current", "target", "roles", "needs_reason"), LEGAL)
def test_every_legal_transition_is_allowed_to_its_roles(current, target, roles, needs_reason):
    for role in roles:
        decision = transition(current, target, role=role, context=GOOD)
        assert decision.allowed, (role, decision)
        assert decision.reason == "transition_allowed"
    for role in {E, D, Y} - roles:
        decision = transition(current, target, role=role, context=GOOD)
        assert not decision.allowed
        assert decision.reason == "role_not_allowed"
        assert decision.params["allowed_roles"] == sorted(roles)


@pytest.mark.parametrize(
    ("current", "target", "role"), [(s, t, sorted(r)[0]) for s, t, r, why in LEGAL if why]
)
def test_transitions_that_need_a_reason_refuse_without_one(current, target, role):
    for context in (None, {"reason": "   "}, TransitionContext(consent_given=True)):
        decision = transition(current, target, role=role, context=context)
        assert (decision.allowed, decision.reason) == (False, "reason_required")


def test_engineer_accepts_an_assigned_order():
    assert transition("assigned", "accepted", role="engineer").allowed


def test_engineer_hands_back_an_order_only_with_a_reason():
    refused = transition("assigned", "returned_to_dispatch", role="engineer")
    assert refused.reason == "reason_required"
    allowed = transition(
        "assigned", "returned_to_dispatch", role="engineer", context={"reason": "too far today"}
    )
    assert allowed.allowed


def test_customer_refusing_a_reschedule_sends_the_order_back_to_dispatch():
    refusal = check_reschedule(reason="traffic jam on the ring road", customer_agreed=False)
    assert refusal.reason == "customer_refused_reschedule"
    assert refusal.params["next_status"] == "returned_to_dispatch"
    back = transition(
        "scheduled",
        "returned_to_dispatch",
        role="engineer",
        context={"reason": "customer_refused_reschedule"},
    )
    assert back.allowed


def test_reschedule_needs_a_reason_and_the_customers_agreement():
    assert check_reschedule(reason="", customer_agreed=True).reason == "reason_required"
    assert check_reschedule(reason="part delayed", customer_agreed=True).reason == ("reschedule_agreed")


def test_out_of_warranty_repair_needs_consent_first():
    decision = transition("diagnosed", "in_repair", role="engineer", context={"in_warranty": False})
    assert (decision.allowed, decision.reason) == (False, "consent_required_before_repair")
    decision = transition("awaiting_consent", "in_repair", role="engineer", context={"in_warranty": False})
    assert decision.reason == "consent_required_before_repair"
    consented = transition(
        "awaiting_consent",
        "in_repair",
        role="engineer",
        context={"in_warranty": False, "consent_given": True},
    )
    assert consented.allowed


def test_unknown_warranty_counts_as_out_of_warranty_for_consent():
    decision = transition("diagnosed", "in_repair", role="engineer", context={})
    assert decision.reason == "consent_required_before_repair"


def test_in_warranty_repair_needs_no_consent():
    assert transition("diagnosed", "in_repair", role="engineer", context={"in_warranty": True})
    refused = transition("diagnosed", "awaiting_consent", role="engineer", context={"in_warranty": True})
    assert refused.reason == "consent_not_needed_in_warranty"


def test_taken_back_unit_repaired_in_workshop_still_needs_consent_out_of_warranty():
    decision = transition("taken_back", "in_repair", role="engineer", context={})
    assert decision.reason == "consent_required_before_repair"


def test_order_cannot_complete_while_the_loaner_is_still_out():
    decision = transition("in_repair", "completed", role="engineer", context={"loaner_out": True})
    assert (decision.allowed, decision.reason) == (False, "loaner_not_returned")


def test_closing_straight_from_completed_needs_a_satisfied_follow_up():
    refused = transition("completed", "closed", role="dispatcher")
    assert refused.reason == "follow_up_required_before_close"
    allowed = transition("completed", "closed", role="dispatcher", context={"follow_up_outcome": "satisfied"})
    assert allowed.allowed


def test_dissatisfied_follow_up_reopens_a_completed_order():
    decision = transition("completed", "reopened", role="system", context={"reason": "customer_dissatisfied"})
    assert decision.allowed


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [
        ("received", "completed", "engineer"),
        ("assigned", "on_site", "engineer"),
        ("scheduled", "in_repair", "engineer"),
        ("cancelled", "assigned", "dispatcher"),
        ("closed", "completed", "dispatcher"),
        ("on_site", "completed", "engineer"),
    ],
)
def test_impossible_jumps_are_illegal(current, target, role):
    decision = transition(current, target, role=role, context=GOOD)
    assert (decision.allowed, decision.reason) == (False, "illegal_transition")
    assert decision.params == {"current": current, "target": target, "role": role}


def test_engineer_cannot_assign_or_close():
    assert transition("received", "assigned", role="engineer").reason == "role_not_allowed"
    assert transition("follow_up_done", "closed", role="engineer").reason == "role_not_allowed"


def test_dispatcher_cannot_accept_for_the_engineer():
    assert transition("assigned", "accepted", role="dispatcher").reason == "role_not_allowed"


def test_staying_in_the_same_status_is_not_a_transition():
    assert transition("scheduled", "scheduled", role="engineer").reason == "already_in_status"


def test_unknown_status_and_role_are_refused_with_their_own_reason():
    assert transition("lost", "assigned", role="dispatcher").reason == "unknown_status"
    assert transition("received", "assigned", role="customer").reason == "unknown_role"


def test_cancelled_is_terminal_for_everyone():
    for role in Role:
        assert legal_targets("cancelled", role) == []


def test_legal_targets_lists_what_a_role_may_do_next():
    assert legal_targets("assigned", "engineer") == [
        OrderStatus.ACCEPTED,
        OrderStatus.RETURNED_TO_DISPATCH,
    ]
    assert legal_targets(OrderStatus.ASSIGNED, Role.DISPATCHER) == [OrderStatus.CANCELLED]
    assert set(legal_targets("diagnosed", "engineer")) == {
        OrderStatus.AWAITING_CONSENT,
        OrderStatus.IN_REPAIR,
        OrderStatus.AWAITING_PART,
        OrderStatus.TAKEN_BACK,
        OrderStatus.COMPLETED,
    }
    assert legal_targets("nowhere", "engineer") == []


def test_every_status_except_cancelled_can_be_left():
    sources = {s for s, _ in TRANSITIONS}
    assert set(OrderStatus) - sources == {OrderStatus.CANCELLED}


def test_every_status_except_received_can_be_reached():
    targets = {t for _, t in TRANSITIONS}
    assert set(OrderStatus) - targets == {OrderStatus.RECEIVED}
