"""Realistic Fineract event payloads for a bank in China, as plain JSON for the Java encoder.

Field names and shapes are those of the shipped schemas (services/scheduler/adapters/fineract/
avro/): amounts as decimal strings (Fineract's BigDecimal columns hold scale 6; the schemas carry
scale 8), dates as ISO strings, mobile numbers as Fineract stores them (national, no +86), CNY.
Fields left out are null. Personal attributes Dunwell must drop (gender, date of birth) are set.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

NS: Final = "org.apache.fineract.avro"
Payload = dict[str, Any]

CLIENT: Final = f"{NS}.client.v1.ClientDataV1"
LOAN: Final = f"{NS}.loan.v1.LoanAccountDataV1"
REPAYMENT_DUE: Final = f"{NS}.loan.v1.LoanRepaymentDueDataV1"
TRANSACTION: Final = f"{NS}.loan.v1.LoanTransactionDataV1"
CHARGE: Final = f"{NS}.loan.v1.LoanChargeDataV1"
DELINQUENCY: Final = f"{NS}.loan.v1.LoanAccountDelinquencyRangeDataV1"
SAVINGS_TRANSACTION: Final = f"{NS}.savings.v1.SavingsAccountTransactionDataV1"
CNY: Final = {
    "code": "CNY",
    "name": "人民币",
    "decimalPlaces": 2,
    "inMultiplesOf": 0,
    "displaySymbol": "¥",
    "nameCode": "currency.CNY",
    "displayLabel": "人民币 (¥)",
}
OFFICE: Final = {"officeId": 2, "officeName": "上海浦东支行"}


def amount(value: Decimal | str | int) -> str:
    """An amount as Fineract's BigDecimal columns hold it (scale 6), as a decimal string."""
    return str(Decimal(value).quantize(Decimal("0.000001")))


def _option(id_: int, code: str, value: str) -> Payload:
    return {"id": id_, "code": code, "value": value}


def client(
    client_id: int,
    *,
    lastname: str = "王",
    firstname: str = "芳",
    mobile: str | None = "13800138000",
    email: str | None = "wang.fang@example.com.cn",
    activated: date = date(2026, 6, 1),
    status: Payload | None = None,
) -> Payload:
    """ClientDataV1 as Fineract sends it: contact points, and attributes Dunwell must drop."""
    return {
        "id": client_id,
        "accountNo": f"{client_id:09d}",
        "externalId": f"CIF-{client_id:010d}",
        "status": status or _option(300, "clientStatusType.active", "Active"),
        "active": True,
        "activationDate": activated.isoformat(),
        "firstname": firstname,
        "lastname": lastname,
        "displayName": f"{lastname}{firstname}",
        "mobileNo": mobile,
        "emailAddress": email,
        "dateOfBirth": "1988-03-15",
        "gender": {"id": 16, "name": "女", "position": 2, "active": True, "mandatory": False},
        "clientType": {"id": 18, "name": "个人", "position": 1, "active": True},
        "isStaff": False,
        **OFFICE,
        "staffId": 7,
        "staffName": "李娜",
        "timeline": {
            "submittedOnDate": (activated - timedelta(days=3)).isoformat(),
            "submittedByUsername": "zhangwei",
            "activatedOnDate": activated.isoformat(),
            "activatedByUsername": "zhangwei",
        },
        "legalForm": _option(1, "legalFormType.person", "PERSON"),
        "groups": [],
    }


def schedule(principal: str, rate: str, start: date, months: int) -> Payload:
    """LoanScheduleDataV1: a disbursement period, then equal instalments with flat interest."""
    total, each = Decimal(principal), (Decimal(principal) / months).quantize(Decimal("0.01"))
    interest = (total * Decimal(rate) / 100).quantize(Decimal("0.01"))
    periods: list[Payload] = [
        {"dueDate": start.isoformat(), "principalDisbursed": amount(total)}
        | {"principalLoanBalanceOutstanding": amount(total), "complete": True}
    ]
    balance, due = total, start
    for n in range(1, months + 1):
        share = balance if n == months else each
        balance -= share
        begin, due = due, _add_month(start, n)
        periods.append(_period(n, begin, due, share, interest, balance))
    return {
        "currency": CNY,
        "loanTermInDays": (due - start).days,
        "totalPrincipalDisbursed": amount(total),
        "totalPrincipalExpected": amount(total),
        "totalInterestCharged": amount(interest * months),
        "totalRepaymentExpected": amount(total + interest * months),
        "totalOutstanding": amount(total + interest * months),
        "periods": periods,
    }


def _period(
    n: int, begin: date, due: date, principal: Decimal, interest: Decimal, left: Decimal
) -> Payload:
    zero, total = amount(0), amount(principal + interest)
    return {
        "period": n,
        "fromDate": begin.isoformat(),
        "dueDate": due.isoformat(),
        "complete": False,
        "daysInPeriod": (due - begin).days,
        "principalOriginalDue": amount(principal),
        "principalDue": amount(principal),
        "principalPaid": zero,
        "principalOutstanding": amount(principal),
        "principalLoanBalanceOutstanding": amount(left),
        "interestOriginalDue": amount(interest),
        "interestDue": amount(interest),
        "interestPaid": zero,
        "interestOutstanding": amount(interest),
        "feeChargesDue": zero,
        "penaltyChargesDue": zero,
        "totalOriginalDueForPeriod": total,
        "totalDueForPeriod": total,
        "totalPaidForPeriod": zero,
        "totalOutstandingForPeriod": total,
        "totalInstallmentAmountForPeriod": total,
        "downPaymentPeriod": False,
    }


def _add_month(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    return start.replace(year=start.year + year, month=month + 1, day=min(start.day, 28))


def loan_account(
    loan_id: int,
    client_id: int,
    *,
    principal: str = "12000",
    monthly_rate: str = "1.0",
    months: int = 6,
    disbursed: date | None = date(2026, 6, 10),
    approved: date = date(2026, 6, 8),
) -> Payload:
    """LoanAccountDataV1, approved (``disbursed=None``) or disbursed, with its whole schedule."""
    start = disbursed or approved + timedelta(days=2)
    status = (
        _option(300, "loanStatusType.active", "Active") | {"active": True}
        if disbursed
        else _option(200, "loanStatusType.approved", "Approved") | {"waitingForDisbursal": True}
    )
    months_type = _option(2, "termFrequency.periodFrequencyType.months", "Months")
    plan = schedule(principal, monthly_rate, start, months)
    timeline = {
        "submittedOnDate": (approved - timedelta(days=5)).isoformat(),
        "approvedOnDate": approved.isoformat(),
    }
    timeline |= {
        "expectedDisbursementDate": start.isoformat(),
        "expectedMaturityDate": plan["periods"][-1]["dueDate"],
    }
    if disbursed:
        timeline |= {
            "actualDisbursementDate": disbursed.isoformat(),
            "disbursedByUsername": "zhangwei",
        }
    return {
        "id": loan_id,
        "accountNo": f"{loan_id:09d}",
        "externalId": f"LN{approved:%Y%m%d}{loan_id:06d}",
        "status": status,
        "clientId": client_id,
        "clientAccountNo": f"{client_id:09d}",
        "clientName": "王芳",
        "clientOfficeId": OFFICE["officeId"],
        "loanProductId": 1,
        "loanProductName": "个人消费贷款",
        "loanType": _option(1, "accountType.individual", "Individual"),
        "principal": amount(principal),
        "approvedPrincipal": amount(principal),
        "proposedPrincipal": amount(principal),
        "netDisbursalAmount": amount(principal),
        "termFrequency": months,
        "termPeriodFrequencyType": months_type,
        "numberOfRepayments": months,
        "repaymentEvery": 1,
        "repaymentFrequencyType": months_type,
        "interestRatePerPeriod": amount(monthly_rate),
        "annualInterestRate": amount(Decimal(monthly_rate) * 12),
        "amortizationType": _option(1, "amortizationType.equal.installments", "Equal installments"),
        "interestType": _option(1, "interestType.flat", "Flat"),
        "transactionProcessingStrategyCode": "mifos-standard-strategy",
        "expectedFirstRepaymentOnDate": plan["periods"][1]["dueDate"],
        "timeline": timeline,
        "summary": {"currency": CNY, "principalDisbursed": amount(principal if disbursed else 0)}
        | {
            "totalExpectedRepayment": plan["totalRepaymentExpected"],
            "totalOutstanding": plan["totalOutstanding"],
        },
        "repaymentSchedule": plan,
        "product": {"id": 1, "name": "个人消费贷款", "shortName": "GRXF", "currency": CNY}
        | {"principal": amount(principal), "numberOfRepayments": months, "repaymentEvery": 1},
        "inArrears": False,
        "isNPA": False,
        "chargedOff": False,
    }


def repayment_due(
    loan_id: int,
    number: int,
    due: date,
    principal: str,
    interest: str,
    *,
    past_due: str | None = None,
) -> Payload:
    """LoanRepaymentDueDataV1 (repayment due and repayment overdue events)."""
    return {
        "loanId": loan_id,
        "loanAccountNo": f"{loan_id:09d}",
        "loanExternalId": None,
        "currency": CNY,
        "installment": {
            "installmentNumber": number,
            "installmentDueDate": due.isoformat(),
            "principalAmountDue": amount(principal),
            "interestAmountDue": amount(interest),
            "feeChargeAmountDue": amount(0),
            "penaltyChargeAmountDue": amount(0),
            "totalAmountDue": amount(Decimal(principal) + Decimal(interest)),
        },
        "pastDueAmount": None
        if past_due is None
        else {"totalAmount": amount(past_due), "principalAmount": amount(past_due)}
        | {"interestAmount": amount(0), "feeAmount": amount(0), "penaltyAmount": amount(0)},
    }


def repayment_made(
    loan_id: int, transaction_id: int, paid: str, on: date, outstanding: str
) -> Payload:
    """LoanTransactionDataV1 of a repayment (LoanTransactionMakeRepaymentPostBusinessEvent)."""
    flags = ("disbursement", "repaymentAtDisbursement", "contra", "waiveInterest", "waiveCharges")
    return {
        "id": transaction_id,
        "loanId": loan_id,
        **OFFICE,
        "type": _option(2, "loanTransactionType.repayment", "Repayment")
        | {"repayment": True}
        | dict.fromkeys(flags, False),
        "date": on.isoformat(),
        "currency": CNY,
        "paymentDetailData": {
            "id": transaction_id,
            "paymentType": {"id": 1, "name": "银行转账", "isCashPayment": False, "position": 1},
            "receiptNumber": f"HZ{on:%Y%m%d}{transaction_id:06d}",
        },
        "amount": amount(paid),
        "principalPortion": amount(paid),
        "interestPortion": amount(0),
        "feeChargesPortion": amount(0),
        "penaltyChargesPortion": amount(0),
        "overpaymentPortion": amount(0),
        "outstandingLoanBalance": amount(outstanding),
        "submittedOnDate": on.isoformat(),
        "manuallyReversed": False,
        "loanChargePaidByList": [],
        "transactionRelations": [],
        "unpaidCharges": [],
    }


def savings_deposit(
    account_id: int, transaction_id: int, deposited: str, on: date, balance: str
) -> Payload:
    """SavingsAccountTransactionDataV1 of a deposit (SavingsDepositBusinessEvent)."""
    return {
        "id": transaction_id,
        "transactionType": {
            "id": 1,
            "code": "savingsAccountTransactionType.deposit",
            "value": "Deposit",
        }
        | {"deposit": True, "withdrawal": False, "interestPosting": False},
        "accountId": account_id,
        "accountNo": f"{account_id:09d}",
        "date": on.isoformat(),
        "currency": CNY,
        "amount": amount(deposited),
        "runningBalance": amount(balance),
        "reversed": False,
        "submittedOnDate": on.isoformat(),
        "submittedByUsername": "zhangwei",
        "note": "工资存入",
        "isReversal": False,
        "lienTransaction": False,
        "chargesPaidByData": [],
    }


def loan_charge(loan_id: int, charge_id: int, charged: str, due: date) -> Payload:
    """LoanChargeDataV1 (LoanAddChargeBusinessEvent)."""
    return {
        "id": charge_id,
        "chargeId": 3,
        "name": "账户管理费",
        "chargeTimeType": _option(2, "chargeTimeType.specifiedDueDate", "Specified due date"),
        "dueDate": due.isoformat(),
        "chargeCalculationType": _option(1, "chargeCalculationType.flat", "Flat"),
        "currency": CNY,
        "amount": amount(charged),
        "amountPaid": amount(0),
        "amountWaived": amount(0),
        "amountWrittenOff": amount(0),
        "amountOutstanding": amount(charged),
        "amountOrPercentage": amount(charged),
        "penalty": False,
        "chargePaymentMode": _option(0, "chargepaymentmode.regular", "Regular"),
        "paid": False,
        "waived": False,
        "chargePayable": False,
        "loanId": loan_id,
        "submittedOnDate": due.isoformat(),
    }


def delinquency_range(loan_id: int, overdue: str, since: date) -> Payload:
    """LoanAccountDelinquencyRangeDataV1 (LoanDelinquencyRangeChangeBusinessEvent)."""
    zero = amount(0)
    return {
        "loanId": loan_id,
        "loanAccountNo": f"{loan_id:09d}",
        "loanExternalId": None,
        "delinquencyRange": {
            "id": 1,
            "classification": "逾期1-30天",
            "minimumAgeDays": 1,
            "maximumAgeDays": 30,
        },
        "charges": [],
        "currency": CNY,
        "amount": {"totalAmount": amount(overdue), "principalAmount": amount(overdue)}
        | {"interestAmount": zero, "feeAmount": zero, "penaltyAmount": zero},
        "delinquentDate": since.isoformat(),
    }
