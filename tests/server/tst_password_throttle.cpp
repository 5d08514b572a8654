// SPDX-License-Identifier: MIT
// PasswordThrottle on its own, on a made-up clock: the server-wide budget,
// round robin between addresses, and refusal delays that grow per address
// and are forgotten after a minute.
#include "PasswordThrottle.h"

#include <QTest>

using namespace Optiverse::Collab;

class TestPasswordThrottle : public QObject
{
    Q_OBJECT

private slots:
    void budgetIsServerWide()
    {
        PasswordThrottle throttle({10, 250, 10000, 60000, 4096});
        // 40 guesses at once from 20 addresses: 10 now, then 10 a second.
        quint64 ticket = 0;
        for (int a = 0; a < 20; ++a)
            for (int i = 0; i < 2; ++i)
                throttle.enqueue(++ticket, QStringLiteral("10.0.0.%1").arg(a));
        int checked = 0;
        while (throttle.takeNext(0))
            ++checked;
        QCOMPARE(checked, 10);
        QCOMPARE(throttle.msUntilNext(0), 100);
        QCOMPARE(throttle.takeNext(50), 0u);
        QVERIFY(throttle.takeNext(100));
        // Over the next second, exactly 10 more.
        checked = 0;
        for (qint64 t = 100; t <= 1100; t += 10)
            while (throttle.takeNext(t))
                ++checked;
        QCOMPARE(checked, 10);
        QCOMPARE(throttle.waiting(), 19);
    }

    void roundRobinBetweenAddresses()
    {
        PasswordThrottle throttle({1, 250, 10000, 60000, 4096});
        // A flood from one address, then one honest member from another.
        for (quint64 t = 1; t <= 50; ++t)
            throttle.enqueue(t, QStringLiteral("flood"));
        throttle.enqueue(100, QStringLiteral("honest"));
        QCOMPARE(throttle.takeNext(0), 1u);
        QCOMPARE(throttle.takeNext(1000), 100u); // next turn, not after the 49 others
        QCOMPARE(throttle.takeNext(2000), 2u);
        // One that left while waiting is never handed out.
        throttle.remove(3);
        QCOMPARE(throttle.takeNext(3000), 4u);
        QCOMPARE(throttle.waiting(), 46);
    }

    void refusalDelaysGrowPerAddressAndAreForgotten()
    {
        PasswordThrottle throttle({20, 250, 1000, 60000, 4096});
        const QString a = QStringLiteral("a"), b = QStringLiteral("b");
        QCOMPARE(throttle.recordFailure(a, 0), 250);
        QCOMPARE(throttle.recordFailure(a, 10), 500);
        QCOMPARE(throttle.recordFailure(a, 20), 750);
        QCOMPARE(throttle.recordFailure(b, 30), 250); // its own count
        QCOMPARE(throttle.recordFailure(a, 40), 1000);
        QCOMPARE(throttle.recordFailure(a, 50), 1000); // the longest
        QCOMPARE(throttle.recentFailures(a, 50), 4);   // no more kept than the longest delay needs
        // A minute after each: forgotten one by one.
        QCOMPARE(throttle.recentFailures(a, 60025), 2);
        QCOMPARE(throttle.recordFailure(a, 120000), 250);
        throttle.prune(200000);
        QCOMPARE(throttle.recentFailures(b, 200000), 0);
    }

    void manyAddressesGetNoHeadStart()
    {
        PasswordThrottle throttle({20, 250, 5000, 60000, 3});
        QCOMPARE(throttle.recordFailure(QStringLiteral("1"), 0), 250);
        QCOMPARE(throttle.recordFailure(QStringLiteral("2"), 0), 250);
        QCOMPARE(throttle.recordFailure(QStringLiteral("3"), 0), 250);
        QCOMPARE(throttle.recordFailure(QStringLiteral("4"), 0), 5000);
        QCOMPARE(throttle.recordFailure(QStringLiteral("5"), 70000), 250); // the old ones were forgotten
    }
};

QTEST_APPLESS_MAIN(TestPasswordThrottle)
#include "tst_password_throttle.moc"
