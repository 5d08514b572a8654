// SPDX-License-Identifier: MIT
// AddressLimits on its own: what is admitted at accept and at join, and that
// every slot comes back when its socket closes.
#include "AddressLimits.h"

#include <QTest>

using namespace Optiverse::Collab;
using Verdict = AddressLimits::Verdict;

class TestAddressLimits : public QObject
{
    Q_OBJECT

private slots:
    void handshakesPerAddress()
    {
        AddressLimits limits({0, 100, 3, 10});
        const QString a = QStringLiteral("10.0.0.1"), b = QStringLiteral("10.0.0.2");
        for (quintptr id = 1; id <= 3; ++id)
            QCOMPARE(limits.open(id, a), Verdict::Admitted);
        QCOMPARE(limits.open(4, a), Verdict::TooManyHandshakesFromAddress);
        QCOMPARE(limits.open(5, b), Verdict::Admitted); // another address is not affected
        QCOMPARE(limits.handshakesFrom(a), 3);
        // A joined connection no longer counts as a handshake.
        QCOMPARE(limits.join(1), Verdict::Admitted);
        QCOMPARE(limits.open(6, a), Verdict::Admitted);
        QCOMPARE(limits.connectionsFrom(a), 1);
        QCOMPARE(limits.handshakesFrom(a), 3);
        // A refused socket was never counted.
        QCOMPARE(limits.sockets(), 5);
    }

    void serverWideCaps()
    {
        AddressLimits limits({5, 3, 8, 10});
        QCOMPARE(limits.open(1, QStringLiteral("a")), Verdict::Admitted);
        QCOMPARE(limits.open(2, QStringLiteral("b")), Verdict::Admitted);
        QCOMPARE(limits.open(3, QStringLiteral("c")), Verdict::Admitted);
        QCOMPARE(limits.open(4, QStringLiteral("d")), Verdict::TooManyHandshakes);
        QCOMPARE(limits.join(1), Verdict::Admitted);
        QCOMPARE(limits.join(2), Verdict::Admitted);
        QCOMPARE(limits.open(4, QStringLiteral("d")), Verdict::Admitted);
        QCOMPARE(limits.open(5, QStringLiteral("e")), Verdict::Admitted);
        QCOMPARE(limits.sockets(), 5);
        QCOMPARE(limits.open(6, QStringLiteral("f")), Verdict::ServerFull);
        limits.close(1);
        QCOMPARE(limits.open(6, QStringLiteral("f")), Verdict::TooManyHandshakes);
        QCOMPARE(limits.join(3), Verdict::Admitted);
        QCOMPARE(limits.open(6, QStringLiteral("f")), Verdict::Admitted);
    }

    void connectionsPerAddress()
    {
        AddressLimits limits({0, 100, 100, 2});
        const QString a = QStringLiteral("10.0.0.1");
        for (quintptr id = 1; id <= 4; ++id)
            QCOMPARE(limits.open(id, a), Verdict::Admitted);
        QCOMPARE(limits.join(1), Verdict::Admitted);
        QCOMPARE(limits.join(2), Verdict::Admitted);
        QCOMPARE(limits.join(3), Verdict::TooManyConnectionsFromAddress);
        QCOMPARE(limits.handshakesFrom(a), 2); // refused at join: a handshake until it closes
        limits.close(3);
        limits.close(1);
        QCOMPARE(limits.join(4), Verdict::Admitted);
        QCOMPARE(limits.connectionsFrom(a), 2);
    }

    void everySlotComesBack()
    {
        AddressLimits limits({10, 10, 10, 10});
        for (quintptr id = 1; id <= 10; ++id) {
            QCOMPARE(limits.open(id, QStringLiteral("x")), Verdict::Admitted);
            if (id % 2)
                QCOMPARE(limits.join(id), Verdict::Admitted);
        }
        for (quintptr id = 1; id <= 10; ++id)
            limits.close(id);
        limits.close(3); // twice: harmless
        QCOMPARE(limits.sockets(), 0);
        QCOMPARE(limits.handshakes(), 0);
        QCOMPARE(limits.handshakesFrom(QStringLiteral("x")), 0);
        QCOMPARE(limits.connectionsFrom(QStringLiteral("x")), 0);
        // An id reused without its close seen (Qt reuses freed memory): counted once.
        QCOMPARE(limits.open(7, QStringLiteral("x")), Verdict::Admitted);
        QCOMPARE(limits.open(7, QStringLiteral("y")), Verdict::Admitted);
        QCOMPARE(limits.sockets(), 1);
        QCOMPARE(limits.handshakesFrom(QStringLiteral("x")), 0);
    }

    void ipv4MappedAddressesCountAsIpv4()
    {
        QCOMPARE(AddressLimits::keyOf(QHostAddress(QStringLiteral("::ffff:192.168.1.7"))), QStringLiteral("192.168.1.7"));
        QCOMPARE(AddressLimits::keyOf(QHostAddress(QStringLiteral("192.168.1.7"))), QStringLiteral("192.168.1.7"));
        QCOMPARE(AddressLimits::keyOf(QHostAddress(QStringLiteral("fe80::1"))), QStringLiteral("fe80::1"));
    }
};

QTEST_APPLESS_MAIN(TestAddressLimits)
#include "tst_address_limits.moc"
