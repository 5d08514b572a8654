// SPDX-License-Identifier: MIT
// LogThrottle on real timers: what a log shows of a run of failures.
#include "LogThrottle.h"

#include <QTest>

using Optiverse::Collab::LogThrottle;

class TestLogThrottle : public QObject
{
    Q_OBJECT
private slots:
    void firstFailureWholeThenOneSummaryPerInterval();
    void aQuietIntervalEndsTheRun();
    void successEndsTheRunWithItsCount();
};

void TestLogThrottle::firstFailureWholeThenOneSummaryPerInterval()
{
    QStringList log;
    LogThrottle throttle(QStringLiteral("storage"), [&log](const QString &line, bool) { log.append(line); }, 300);
    throttle.failure(QStringLiteral("store item: database or disk is full"));
    for (int i = 0; i < 4999; ++i)
        throttle.failure(QStringLiteral("store item: database or disk is full"));
    QCOMPARE(log, QStringList{QStringLiteral("storage: store item: database or disk is full")});
    QCOMPARE(throttle.pending(), quint64(4999));
    QTRY_COMPARE_WITH_TIMEOUT(log.size(), 2, 2000);
    QCOMPARE(log.at(1), QStringLiteral("storage: 4,999 more failures in the last 1 s (last: store item: database or disk is full)"));
    throttle.failure(QStringLiteral("commit: disk I/O error"));
    QTRY_COMPARE_WITH_TIMEOUT(log.size(), 3, 2000);
    QCOMPARE(log.at(2), QStringLiteral("storage: 1 more failure in the last 1 s (last: commit: disk I/O error)"));
}

void TestLogThrottle::aQuietIntervalEndsTheRun()
{
    QStringList log;
    LogThrottle throttle(QStringLiteral("storage"), [&log](const QString &line, bool) { log.append(line); }, 100);
    throttle.failure(QStringLiteral("first"));
    // Nothing more: no summary, and after the interval a failure is news again.
    QVERIFY(QTest::qWaitFor([&log] { return log.size() > 1; }, 400) == false);
    throttle.failure(QStringLiteral("again"));
    QCOMPARE(log, (QStringList{QStringLiteral("storage: first"), QStringLiteral("storage: again")}));
}

void TestLogThrottle::successEndsTheRunWithItsCount()
{
    QStringList log;
    QList<bool> recovered;
    LogThrottle throttle(QStringLiteral("storage"), [&](const QString &line, bool good) {
        log.append(line);
        recovered.append(good);
    }, 60000);
    throttle.success(); // no run: nothing to say
    QVERIFY(log.isEmpty());
    for (int i = 0; i < 3; ++i)
        throttle.failure(QStringLiteral("full"));
    throttle.success();
    QCOMPARE(log, (QStringList{QStringLiteral("storage: full"), QStringLiteral("storage: works again after 3 failures")}));
    QCOMPARE(recovered, (QList<bool>{false, true}));
    throttle.failure(QStringLiteral("full"));
    QCOMPARE(log.size(), 3); // a new run starts whole
    QCOMPARE(log.last(), QStringLiteral("storage: full"));
}

QTEST_GUILESS_MAIN(TestLogThrottle)
#include "tst_logthrottle.moc"
