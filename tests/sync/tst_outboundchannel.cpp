// SPDX-License-Identifier: MIT
// OutboundChannel without a socket: what it hands to the transport (parsed
// back with the real gate, Message::parse), when (pacing, on real timers),
// and what it reports lost.
#include "Message.h"
#include "OutboundChannel.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Optiverse::Collab;

namespace {

Command moveOf(int n)
{
    Command c;
    c.action = Command::Action::Move;
    c.itemType = QStringLiteral("lens");
    c.itemId = QStringLiteral("5e0d1c1a-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
    c.data = {{QLatin1String("x_mm"), double(n)}, {QLatin1String("y_mm"), 0.0}};
    return c;
}

/// A transport that records what it is given and parses it as the server would.
struct Wire
{
    QList<Message> sent;
    bool accept = true;
    OutboundChannel::Transport transport()
    {
        return [this](const QByteArray &bytes) {
            Message m;
            QString error;
            if (!Message::parse(bytes, &m, &error))
                qFatal("the channel sent an invalid message: %s", qPrintable(error));
            sent.append(m);
            return accept;
        };
    }
};

/// Lost reports, in order.
struct LostLog
{
    QList<QList<Command>> batches;
    QStringList hows;
    void attach(OutboundChannel *channel)
    {
        QObject::connect(channel, &OutboundChannel::lost, channel, [this](const QList<Command> &c, const QString &how) {
            batches.append(c);
            hows.append(how);
        });
    }
};

const OutboundChannel::Connection Ours{QStringLiteral("alice"), true, 200, 400, 1024 * 1024};
const OutboundChannel::Connection Original{QStringLiteral("alice"), false, 0, 0, 0};

} // namespace

class TestOutboundChannel : public QObject
{
    Q_OBJECT
private slots:
    void commandsCarryClientSeqAndAwaitTheirAnswer();
    void anAnswerRevealsEarlierLosses();
    void pacesBelowTheAdvertisedLimit();
    void pacingSpreadsABurst();
    void tooLargeIsRefusedBeforeSending();
    void rateLimitedThenSilentMeansLost();
    void answersToAnEarlierConnectionRevealNothing();
    void leavingKeepsWhatNeverGotOut();
    void unstoredCommandsWaitAndAreRetriedWithBackoff();
    void unstoredCommandsGoAtOnceWhenTheServerStoresAgain();
    void originalServersGetRecentWindows();
};

void TestOutboundChannel::commandsCarryClientSeqAndAwaitTheirAnswer()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    channel.open(Ours);
    for (int i = 1; i <= 3; ++i)
        QVERIFY(channel.send(moveOf(i)));
    QCOMPARE(wire.sent.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(wire.sent.at(i).type(), Message::Type::Command);
        QCOMPARE(wire.sent.at(i).clientSeq(), qint64(i + 1));
        QCOMPARE(wire.sent.at(i).userId(), QStringLiteral("alice"));
        QCOMPARE(wire.sent.at(i).command().itemId, moveOf(i + 1).itemId);
    }
    QCOMPARE(channel.commandsSent(), quint64(3));
    QCOMPARE(channel.unacknowledgedCount(), 3);
    QVERIFY(channel.unacknowledged(2));
    const std::optional<Command> first = channel.acknowledge(1);
    QVERIFY(first);
    QCOMPARE(first->itemId, moveOf(1).itemId);
    QVERIFY(!channel.acknowledge(1)); // answered once
    QCOMPARE(channel.unacknowledgedCount(), 2);
    QCOMPARE(channel.takeUnacknowledged().size(), 2);
    QCOMPARE(channel.unacknowledgedCount(), 0);
}

void TestOutboundChannel::anAnswerRevealsEarlierLosses()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    LostLog lost;
    lost.attach(&channel);
    channel.open(Ours);
    for (int i = 1; i <= 4; ++i)
        channel.send(moveOf(i));
    // The server answers in order: an answer to 3 means 1 and 2 never arrived.
    QVERIFY(channel.acknowledge(3));
    QCOMPARE(lost.batches.size(), 1);
    QCOMPARE(lost.batches.at(0).size(), 2);
    QCOMPARE(lost.batches.at(0).at(0).itemId, moveOf(1).itemId);
    QCOMPARE(lost.batches.at(0).at(1).itemId, moveOf(2).itemId);
    QCOMPARE(lost.hows.at(0), QStringLiteral("a later command was answered"));
    QCOMPARE(channel.lostFoundByGap(), quint64(2));
    QCOMPARE(channel.unacknowledgedCount(), 1); // 4 is still on its way
    QVERIFY(channel.unacknowledged(4));
}

void TestOutboundChannel::pacesBelowTheAdvertisedLimit()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    QCOMPARE(channel.sendRate(), OutboundChannel::DefaultSendRate); // nothing advertised yet
    QCOMPARE(channel.sendBurst(), OutboundChannel::DefaultSendBurst);
    channel.open(Ours); // 200/s, burst 400: 75 % of the rate, half the burst
    QCOMPARE(channel.sendRate(), 150);
    QCOMPARE(channel.sendBurst(), 200);
    channel.setSendRate(40, 3);
    QCOMPARE(channel.sendRate(), 40);
    QCOMPARE(channel.sendBurst(), 3);
    channel.setSendRate(0, 1); // back to the advertised pace
    QCOMPARE(channel.sendRate(), 150);
    channel.open(Original); // a server advertising nothing
    QCOMPARE(channel.sendRate(), OutboundChannel::DefaultSendRate);
}

void TestOutboundChannel::pacingSpreadsABurst()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    channel.setSendRate(20, 2);
    channel.open(Ours);
    QElapsedTimer clock;
    clock.start();
    for (int i = 1; i <= 6; ++i)
        channel.send(moveOf(i));
    QCOMPARE(wire.sent.size(), 2); // the burst goes at once
    QCOMPARE(channel.queuedCount(), 4);
    QTRY_COMPARE_WITH_TIMEOUT(wire.sent.size(), 6, 5000);
    // Four more at 20/s take at least 200 ms (with a margin for timer slack).
    QVERIFY2(clock.elapsed() >= 150, qPrintable(QString::number(clock.elapsed())));
    for (int i = 0; i < 6; ++i) // in order
        QCOMPARE(wire.sent.at(i).clientSeq(), qint64(i + 1));
    QCOMPARE(channel.queuedCount(), 0);
}

void TestOutboundChannel::tooLargeIsRefusedBeforeSending()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    OutboundChannel::Connection small = Ours;
    small.maxMessageBytes = 300;
    channel.open(small);
    Command big = moveOf(1);
    big.action = Command::Action::Update;
    big.data.insert(QStringLiteral("notes"), QString(1000, QLatin1Char('n')));
    qint64 size = 0;
    QVERIFY(!channel.send(big, &size));
    QVERIFY(size > 1000);
    QVERIFY(wire.sent.isEmpty());
    QCOMPARE(channel.unacknowledgedCount(), 0);
    QVERIFY(channel.send(moveOf(2))); // the next one still goes, as client_seq 1
    QCOMPARE(wire.sent.at(0).clientSeq(), qint64(1));
}

void TestOutboundChannel::rateLimitedThenSilentMeansLost()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    LostLog lost;
    lost.attach(&channel);
    channel.open(Ours);
    channel.send(moveOf(1));
    channel.send(moveOf(2));
    QVERIFY(channel.acknowledge(1));
    QElapsedTimer clock;
    clock.start();
    channel.rateLimited(); // the server says it dropped something; 2 is never answered
    // Paused: the next command waits for a token.
    channel.send(moveOf(3));
    QCOMPARE(wire.sent.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(lost.batches.size(), 1, 5000);
    QVERIFY(clock.elapsed() >= OutboundChannel::LossTimeoutMs - 50);
    QCOMPARE(lost.hows.at(0), QStringLiteral("no answer after a rate_limited error"));
    QCOMPARE(lost.batches.at(0).size(), 1);
    QCOMPARE(lost.batches.at(0).at(0).itemId, moveOf(2).itemId);
    QCOMPARE(channel.lostFoundAfterTimeout(), quint64(1));
    // Its echo may still come: recognised once.
    QVERIFY(channel.forgetPresumedLost(2));
    QVERIFY(!channel.forgetPresumedLost(2));
    // 3 went out after the pause and is checked once more, then reported too.
    QCOMPARE(wire.sent.size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(lost.batches.size(), 2, 5000);
    QCOMPARE(lost.batches.at(1).at(0).itemId, moveOf(3).itemId);
    QCOMPARE(channel.unacknowledgedCount(), 0);
}

void TestOutboundChannel::answersToAnEarlierConnectionRevealNothing()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    LostLog lost;
    lost.attach(&channel);
    channel.open(Ours);
    channel.send(moveOf(1));
    channel.send(moveOf(2));
    channel.close();
    channel.open(Ours); // reconnected: 1 and 2 are from the previous connection
    channel.send(moveOf(3));
    QCOMPARE(wire.sent.last().clientSeq(), qint64(3));
    QVERIFY(channel.acknowledge(2)); // a replayed answer
    QVERIFY(lost.batches.isEmpty());
    // On this connection, 3 answered after 4 was sent: nothing before 3 here.
    channel.send(moveOf(4));
    QVERIFY(channel.acknowledge(4));
    QCOMPARE(lost.batches.size(), 1);
    QCOMPARE(lost.batches.at(0).size(), 1); // 3 only, not 1 of the old connection
    QCOMPARE(lost.batches.at(0).at(0).itemId, moveOf(3).itemId);
}

void TestOutboundChannel::leavingKeepsWhatNeverGotOut()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    channel.setSendRate(1, 1);
    channel.open(Ours);
    for (int i = 1; i <= 3; ++i)
        channel.send(moveOf(i));
    QCOMPARE(wire.sent.size(), 1); // 2 and 3 still paced
    const QList<Command> undelivered = channel.takeUndelivered(false);
    QCOMPARE(undelivered.size(), 2);
    QCOMPARE(undelivered.at(0).itemId, moveOf(2).itemId);
    QCOMPARE(channel.unacknowledgedCount(), 0);
    channel.close();
    QCOMPARE(channel.queuedCount(), 0); // nothing more goes to a closed connection

    // After a lost connection nothing handed to the socket is known delivered.
    Wire wire2;
    OutboundChannel dropped(wire2.transport());
    dropped.open(Ours);
    dropped.send(moveOf(1));
    dropped.send(moveOf(2));
    QCOMPARE(dropped.takeUndelivered(true).size(), 2);
}

void TestOutboundChannel::originalServersGetRecentWindows()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    QList<Command> expired;
    connect(&channel, &OutboundChannel::recentExpired, this, [&](const Command &c) { expired.append(c); });
    channel.open(Original);
    QElapsedTimer clock;
    clock.start();
    channel.send(moveOf(1));
    QCOMPARE(wire.sent.size(), 1);
    QCOMPARE(wire.sent.at(0).clientSeq(), qint64(-1)); // no extension fields for original servers
    QCOMPARE(channel.unacknowledgedCount(), 0);       // never answered
    QCOMPARE(channel.recentItemIds(), QSet<QString>{moveOf(1).itemId});
    QTRY_COMPARE_WITH_TIMEOUT(expired.size(), 1, OutboundChannel::RecentWindowMs + 3000);
    QVERIFY(clock.elapsed() >= OutboundChannel::RecentWindowMs - 50);
    QCOMPARE(expired.at(0).itemId, moveOf(1).itemId);
    QVERIFY(channel.recentItemIds().isEmpty());
}

namespace {
/// Retries handed back, in order, with when they came (ms since the start);
/// sent again at once when @p resend, as SyncManager does.
struct RetryLog
{
    QList<QList<Command>> batches;
    QList<qint64> atMs;
    QElapsedTimer clock;
    void attach(OutboundChannel *channel, bool resend = false)
    {
        clock.start();
        QObject::connect(channel, &OutboundChannel::retryDue, channel, [this, channel, resend](const QList<Command> &c) {
            batches.append(c);
            atMs.append(clock.elapsed());
            for (const Command &command : c)
                if (resend)
                    channel->send(command);
        });
    }
};
} // namespace

void TestOutboundChannel::unstoredCommandsWaitAndAreRetriedWithBackoff()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    RetryLog retries;
    retries.attach(&channel, true);
    LostLog lost;
    lost.attach(&channel);
    QList<bool> failing;
    connect(&channel, &OutboundChannel::storageFailingChanged, this, [&failing](bool f) { failing.append(f); });
    channel.open(Ours);
    for (int i = 1; i <= 3; ++i)
        channel.send(moveOf(i));
    QVERIFY(channel.acknowledge(1));
    // The server could not store 2 (a full disk): neither dropped nor lost.
    channel.storageFailed(2);
    QCOMPARE(failing, QList<bool>{true});
    QVERIFY(channel.isStorageFailing());
    QCOMPARE(channel.unstoredCount(), 1);
    QCOMPARE(channel.unacknowledgedCount(), 2); // 2 waits, 3 is on its way
    QVERIFY(lost.batches.isEmpty());
    channel.storageFailed(3); // the same burst: one retry for both, not two backoffs
    QCOMPARE(failing.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(retries.batches.size(), 1, 3000);
    QVERIFY2(retries.atMs.at(0) >= OutboundChannel::RetryFirstMs * 95 / 100 - 50, qPrintable(QString::number(retries.atMs.at(0))));
    QCOMPARE(retries.batches.at(0).size(), 2);
    QCOMPARE(retries.batches.at(0).at(0).itemId, moveOf(2).itemId);
    QCOMPARE(retries.batches.at(0).at(1).itemId, moveOf(3).itemId);
    QCOMPARE(channel.unstoredCount(), 0);
    QCOMPARE(channel.unacknowledgedCount(), 2); // re-sent as 4 and 5
    QVERIFY(channel.isStorageFailing()); // until something sent since is stored
    // The server still cannot store them: the next retry comes after twice the delay.
    channel.storageFailed(4);
    channel.storageFailed(5);
    QTRY_COMPARE_WITH_TIMEOUT(retries.batches.size(), 2, 5000);
    const qint64 second = retries.atMs.at(1) - retries.atMs.at(0);
    // Twice the first delay; coarse timers may fire up to 5 % early.
    QVERIFY2(second >= 2 * OutboundChannel::RetryFirstMs * 95 / 100 - 50, qPrintable(QString::number(second)));
    // Re-sent again (6 and 7) and stored this time: storage works again.
    channel.confirmStored(1); // an answer to a command from before the retry proves nothing
    QVERIFY(channel.isStorageFailing());
    QVERIFY(channel.acknowledge(6));
    channel.confirmStored(6);
    QVERIFY(!channel.isStorageFailing());
    QVERIFY(channel.acknowledge(7));
    QVERIFY(!channel.isStorageFailing());
    QCOMPARE(failing, (QList<bool>{true, false}));
    QCOMPARE(channel.unacknowledgedCount(), 0);
}

void TestOutboundChannel::unstoredCommandsGoAtOnceWhenTheServerStoresAgain()
{
    Wire wire;
    OutboundChannel channel(wire.transport());
    RetryLog retries;
    retries.attach(&channel);
    channel.open(Ours);
    channel.send(moveOf(1));
    channel.storageFailed(1);
    // Another user's command was stored: no need to wait out the backoff.
    channel.confirmStored();
    QTRY_COMPARE_WITH_TIMEOUT(retries.batches.size(), 1, 500);
    QVERIFY2(retries.atMs.at(0) < OutboundChannel::RetryFirstMs / 2, qPrintable(QString::number(retries.atMs.at(0))));

    // What waits when the connection drops goes with the unacknowledged
    // commands (sent again after the resync), and when leaving it counts as
    // never delivered.
    channel.send(moveOf(2)); // 2
    channel.send(moveOf(3)); // 3
    channel.storageFailed(2);
    channel.close();
    // Closed: no retry comes.
    QVERIFY(!QTest::qWaitFor([&retries] { return retries.batches.size() > 1; }, OutboundChannel::RetryFirstMs + 200));
    const QList<Command> resend = channel.takeUnacknowledged();
    QCOMPARE(resend.size(), 2);
    QCOMPARE(resend.at(0).itemId, moveOf(2).itemId); // in sending order
    QCOMPARE(resend.at(1).itemId, moveOf(3).itemId);
    QVERIFY(!channel.isStorageFailing()); // their answers will tell again

    channel.open(Ours);
    channel.send(moveOf(4)); // 4
    channel.storageFailed(4);
    const QList<Command> kept = channel.takeUndelivered(false); // handed to the socket, yet not stored
    QCOMPARE(kept.size(), 1);
    QCOMPARE(kept.at(0).itemId, moveOf(4).itemId);
}

QTEST_GUILESS_MAIN(TestOutboundChannel)
#include "tst_outboundchannel.moc"
