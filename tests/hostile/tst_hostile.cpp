// SPDX-License-Identifier: MIT
// One real optiverse-collab-server, ten honest clients syncing continuously in
// session "lab", and a sequence of attackers (raw TCP, hand-made HTTP and
// WebSocket frames). Each attack checks the server's reaction; the last test
// checks that every honest command reached every honest client, in order, and
// that the server's memory and descriptors stayed bounded.
#include "HonestPeer.h"
#include "HostileSocket.h"
#include "ServerProcess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

namespace {

constexpr int HonestPeers = 10;
constexpr int HandshakeTimeoutMs = 1000;
constexpr qint64 MaxSendBuffer = 256 * 1024;
constexpr qint64 RssBudgetKiB = 64 * 1024;
constexpr int Wait = 10000; // upper bound for anything the server should do at once
const QString Lab = QStringLiteral("lab");

QByteArray codeOf(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object().value(QLatin1String("code")).toString().toUtf8();
}

// Protocol violations, as frames a client could send after the upgrade.
enum Violation {
    FragmentedPing, OversizedPing, OversizedClose, FragmentedClose, Rsv1Text, Rsv3Text, ReservedDataOpcode,
    ReservedControlOpcode, ContinuationWithoutStart, TextInsideFragmentedMessage, CloseOneBytePayload,
    CloseInvalidCode, HugeLength64Bit,
};

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void malformedHandshake_data();
    void malformedHandshake();
    void badPath_data();
    void badPath();
    void invalidMessage_data();
    void invalidMessage();
    void oversizedMessages();
    void binaryFrame();
    void invalidUtf8_data();
    void invalidUtf8();
    void validUtf8SplitAcrossFragments();
    void unmaskedFrame();
    void protocolViolation_data();
    void protocolViolation();
    void slowloris();
    void connectStorm();
    void neverReadingReader();
    void largeNonAsciiStateReachesQtClients_data();
    void largeNonAsciiStateReachesQtClients();
    void honestTrafficIntact();

private:
    /// An attacker joined to "lab" (its connection:ack received).
    std::unique_ptr<HostileSocket> joinAttacker(const QByteArray &name);
    void record(const QString &attack, const HostileSocket &s);
    void sampleRss();

    ServerProcess m_server;
    std::vector<std::unique_ptr<HonestPeer>> m_peers;
    QTimer m_pacer;   // honest traffic: one command every tick, round robin
    QTimer m_sampler; // server RSS
    int m_nextPeer = 0;
    qint64 m_baselineRssKiB = 0;
    qint64 m_peakRssKiB = 0;
    int m_baselineFds = 0;
    QStringList m_reactions;
};

void TestHostile::initTestCase()
{
    // Short timeouts so the suite runs fast; keepalive long enough never to be
    // the reason anything is dropped here. Every attacker here comes from
    // 127.0.0.1, so the per-address caps are out of the way
    // (tst_hostile_connections attacks them).
    QVERIFY(m_server.start({QStringLiteral("--handshake-timeout-ms"), QString::number(HandshakeTimeoutMs),
                            QStringLiteral("--max-handshakes-per-address"), QStringLiteral("256"),
                            QStringLiteral("--max-connections-per-address"), QStringLiteral("1000"),
                            QStringLiteral("--keepalive-ms"), QStringLiteral("60000"),
                            QStringLiteral("--max-send-buffer"), QString::number(MaxSendBuffer),
                            QStringLiteral("--history"), QStringLiteral("100")}));
    for (int i = 0; i < HonestPeers; ++i) {
        auto peer = std::make_unique<HonestPeer>(QStringLiteral("honest%1").arg(i));
        peer->open(m_server.port(), Lab);
        QVERIFY2(peer->waitJoined(Wait), qPrintable(peer->name()));
        m_peers.push_back(std::move(peer));
    }
    QVERIFY(QTest::qWaitFor([this] { return m_peers.front()->usersJoined.size() == HonestPeers - 1; }, Wait));

    // An item nobody removes, so the scene is never empty while attacked.
    m_peers.front()->sendBulk(16);
    m_pacer.setInterval(10);
    connect(&m_pacer, &QTimer::timeout, this, [this] { m_peers[size_t(m_nextPeer++ % HonestPeers)]->sendNext(); });
    m_pacer.start();
    // Warm up, then take the baseline the budget is measured against.
    QVERIFY(QTest::qWaitFor([this] { return m_peers.back()->seqs.size() >= 200; }, 30000));
    m_baselineRssKiB = m_peakRssKiB = m_server.rssKiB();
    m_baselineFds = m_server.fdCount();
    QVERIFY(m_baselineRssKiB > 0 && m_baselineFds > 0);
    m_sampler.setInterval(20);
    connect(&m_sampler, &QTimer::timeout, this, &TestHostile::sampleRss);
    m_sampler.start();
    qInfo() << "server baseline: RSS" << m_baselineRssKiB << "KiB," << m_baselineFds << "fds";
}

void TestHostile::cleanupTestCase()
{
    m_pacer.stop();
    m_sampler.stop();
    qInfo().noquote() << QStringLiteral("Observed reactions:\n  ") + m_reactions.join(QLatin1String("\n  "));
    m_peers.clear();
    m_server.stop(); // a clean shutdown: exit code 0 after SIGTERM
    QVERIFY(!m_server.isRunning());
    QCOMPARE(m_server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_server.exitCode(), 0);
    // The server's own account of every attack, for whoever reads a failure.
    QFile log(QStringLiteral("tst_hostile-server.log"));
    if (log.open(QIODevice::WriteOnly))
        log.write(m_server.log());
    qInfo().noquote() << "server log:" << QFileInfo(log).absoluteFilePath();
}

void TestHostile::sampleRss()
{
    m_peakRssKiB = std::max(m_peakRssKiB, m_server.rssKiB());
}

void TestHostile::record(const QString &attack, const HostileSocket &s)
{
    QString line = attack + QLatin1String(": ");
    if (s.httpStatus > 0 && s.httpStatus != 101)
        line += QStringLiteral("HTTP %1; ").arg(QString::fromLatin1(s.response.left(s.response.indexOf('\r'))));
    else if (s.httpStatus == 0 || (s.httpStatus < 0 && !s.response.isEmpty()))
        line += QStringLiteral("non-HTTP answer %1; ").arg(QString::fromLatin1(s.response.left(40).toPercentEncoding()));
    else if (s.httpStatus < 0)
        line += QLatin1String("no HTTP response; ");
    for (const QByteArray &t : s.texts) {
        const QByteArray code = codeOf(t);
        if (!code.isEmpty())
            line += QStringLiteral("error %1; ").arg(QString::fromUtf8(code));
    }
    if (s.closeCode >= 0)
        line += QStringLiteral("close %1 \"%2\"; ").arg(s.closeCode).arg(s.closeReason);
    line += s.disconnected ? QLatin1String("disconnected") : QLatin1String("still connected");
    qInfo().noquote() << line;
    m_reactions.append(line);
}

std::unique_ptr<HostileSocket> TestHostile::joinAttacker(const QByteArray &name)
{
    auto s = std::make_unique<HostileSocket>();
    s->open(m_server.port(), "/ws/lab/" + name);
    if (!s->waitUpgraded(Wait) || s->waitForType("connection:ack", Wait).isEmpty()) {
        qWarning() << "attacker" << name << "could not join:" << s->response;
        return nullptr;
    }
    return s;
}

// --- handshakes ------------------------------------------------------------

void TestHostile::malformedHandshake_data()
{
    QTest::addColumn<QByteArray>("request");
    const quint16 port = m_server.port();
    QByteArray garbage(4096, '\0');
    QRandomGenerator random(7);
    for (char &c : garbage)
        c = char(random.bounded(256));
    QByteArray manyHeaders, endless;
    for (int i = 0; i < 5000; ++i)
        manyHeaders += "X-Junk-" + QByteArray::number(i) + ": v\r\n";
    for (int i = 0; i < 4096; ++i)
        endless += "X-Endless: " + QByteArray(1000, 'e') + "\r\n"; // 4 MiB, never a blank line
    QTest::newRow("binary garbage") << garbage + "\r\n\r\n";
    QTest::newRow("missing Sec-WebSocket-Key") << HostileSocket::upgradeRequest(port, "/ws/lab/x", {}, false);
    QTest::newRow("wrong version 8") << HostileSocket::upgradeRequest(port, "/ws/lab/x", {}, true, "8");
    QTest::newRow("no version") << HostileSocket::upgradeRequest(port, "/ws/lab/x", {}, true, QByteArray());
    QTest::newRow("64 KiB header line")
        << HostileSocket::upgradeRequest(port, "/ws/lab/x", "X-Junk: " + QByteArray(64 * 1024, 'a') + "\r\n");
    QTest::newRow("5000 headers") << HostileSocket::upgradeRequest(port, "/ws/lab/x", manyHeaders);
    QTest::newRow("4 MiB of headers, no end") << "GET /ws/lab/x HTTP/1.1\r\n" + endless;
    QTest::newRow("POST") << HostileSocket::upgradeRequest(port, "/ws/lab/x").replace(0, 3, "POST");
    QTest::newRow("HTTP/1.0") << HostileSocket::upgradeRequest(port, "/ws/lab/x").replace("HTTP/1.1", "HTTP/1.0");
    QTest::newRow("no Upgrade header")
        << HostileSocket::upgradeRequest(port, "/ws/lab/x").replace("Upgrade: websocket\r\n", "");
    QTest::newRow("request line of garbage") << HostileSocket::upgradeRequest(port, "/ws/lab/x").replace(0, 3, "\x01\x02\x03");
}

void TestHostile::malformedHandshake()
{
    QFETCH(QByteArray, request);
    HostileSocket s;
    s.connectTo(m_server.port());
    QVERIFY(s.waitConnected());
    s.write(request);
    QVERIFY2(s.waitDisconnected(Wait), "the server kept a bad handshake open");
    record(QStringLiteral("handshake, %1").arg(QString::fromLatin1(QTest::currentDataTag())), s);
    QVERIFY(!s.upgraded());
}

void TestHostile::badPath_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("/") << QByteArray("/");
    QTest::newRow("/ws") << QByteArray("/ws");
    QTest::newRow("/ws/lab") << QByteArray("/ws/lab");
    QTest::newRow("/ws//u") << QByteArray("/ws//u");
    QTest::newRow("/ws/lab/u/extra") << QByteArray("/ws/lab/u/extra");
    QTest::newRow("/../../etc/passwd") << QByteArray("/../../etc/passwd");
    QTest::newRow("encoded slash in user") << QByteArray("/ws/lab/a%2Fb");
    QTest::newRow("NUL in user") << QByteArray("/ws/lab/%00");
    QTest::newRow("raw NUL in path") << QByteArray("/ws/lab/x\0y", 11);
    QTest::newRow("session of 4000 chars") << "/ws/" + QByteArray(4000, 's') + "/u";
    QTest::newRow("user of 300 chars") << "/ws/lab/" + QByteArray(300, 'u');
}

void TestHostile::badPath()
{
    QFETCH(QByteArray, path);
    HostileSocket s;
    s.open(m_server.port(), path);
    QVERIFY(s.waitResponse(Wait));
    QVERIFY2(s.waitDisconnected(Wait), "the server kept a connection with a bad path open");
    record(QStringLiteral("path %1").arg(QString::fromLatin1(QTest::currentDataTag())), s);
    if (s.upgraded()) {
        QCOMPARE(s.closeCode, 1008);
        QVERIFY2(s.closeReason.contains(QLatin1String("/ws/<session_id>/<user_id>")), qPrintable(s.closeReason));
    } else {
        QVERIFY(s.httpStatus >= 400);
    }
}

// --- messages ---------------------------------------------------------------

void TestHostile::invalidMessage_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("code");
    const QByteArray invalid("invalid_message");
    auto cmd = [](const QByteArray &command) -> QByteArray { return R"({"type":"command","command":)" + command + "}"; };
    QByteArray selection = R"({"type":"presence","selection":[)";
    for (int i = 0; i < 1001; ++i)
        selection += (i ? ",\"i" : "\"i") + QByteArray::number(i) + "\"";
    selection += "]}";

    QTest::newRow("not JSON") << QByteArray("hello") << invalid;
    QTest::newRow("truncated") << QByteArray(R"({"type":"ping")") << invalid;
    QTest::newRow("trailing garbage") << QByteArray(R"({"type":"ping"}xyz)") << invalid;
    QTest::newRow("array") << QByteArray("[]") << invalid;
    QTest::newRow("null") << QByteArray("null") << invalid;
    QTest::newRow("string") << QByteArray(R"("ping")") << invalid;
    QTest::newRow("100000 nested arrays") << QByteArray(100000, '[') << invalid;
    QTest::newRow("5000 nested objects") << QByteArray(R"({"a":)").repeated(5000) << invalid;
    QTest::newRow("NaN literal") << QByteArray(R"({"type":"ping","x":NaN})") << invalid;
    QTest::newRow("type is a number") << QByteArray(R"({"type":5})") << invalid;
    QTest::newRow("no type") << QByteArray(R"({"command":{}})") << invalid;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"drop_tables"})") << invalid;
    QTest::newRow("user_id of 200 chars") << R"({"type":"ping","user_id":")" + QByteArray(200, 'u') + "\"}" << invalid;
    QTest::newRow("negative seq") << QByteArray(R"({"type":"ping","seq":-1})") << invalid;
    QTest::newRow("command is a string") << cmd(R"("add_item")") << invalid;
    QTest::newRow("action is a number") << cmd(R"({"action":1,"item_id":"a","item_type":"lens"})") << invalid;
    QTest::newRow("unknown action") << cmd(R"({"action":"explode_item","item_id":"a","item_type":"lens"})") << invalid;
    QTest::newRow("item_id is a number") << cmd(R"({"action":"add_item","item_id":42,"item_type":"lens"})") << invalid;
    QTest::newRow("item_id empty") << cmd(R"({"action":"add_item","item_id":"","item_type":"lens"})") << invalid;
    QTest::newRow("item_id of 200 chars")
        << cmd(R"({"action":"add_item","item_type":"lens","item_id":")" + QByteArray(200, 'i') + "\"}") << invalid;
    QTest::newRow("item_type of 100 chars")
        << cmd(R"({"action":"add_item","item_id":"a","item_type":")" + QByteArray(100, 't') + "\"}") << invalid;
    QTest::newRow("add without item_type") << cmd(R"({"action":"add_item","item_id":"a"})") << invalid;
    QTest::newRow("data is an array") << cmd(R"({"action":"add_item","item_id":"a","item_type":"lens","data":[1]})")
                                      << invalid;
    QTest::newRow("x_mm is a string")
        << cmd(R"({"action":"add_item","item_id":"a","item_type":"lens","data":{"x_mm":"1"}})") << invalid;
    QTest::newRow("x_mm overflows to infinity")
        << cmd(R"({"action":"add_item","item_id":"a","item_type":"lens","data":{"x_mm":1e400}})") << invalid;
    QTest::newRow("changed_keys is a string")
        << cmd(R"({"action":"update_item","item_id":"a","data":{"k":1},"changed_keys":"k"})") << invalid;
    QTest::newRow("changed_keys names a missing key")
        << cmd(R"({"action":"update_item","item_id":"a","data":{"k":1},"changed_keys":["z"]})") << invalid;
    QTest::newRow("client_seq is a fraction")
        << QByteArray(R"({"type":"command","client_seq":1.5,"command":{"action":"remove_item","item_id":"a"}})")
        << invalid;
    QTest::newRow("since is a string") << QByteArray(R"({"type":"sync:request","since":"0"})") << invalid;
    QTest::newRow("full_state items not an array")
        << QByteArray(R"({"type":"sync:full_state","state":{"items":{}}})") << invalid;
    QTest::newRow("full_state item without id")
        << QByteArray(R"({"type":"sync:full_state","state":{"items":[{"item_type":"lens"}]}})") << invalid;
    QTest::newRow("presence with 1001 selected") << selection << invalid;
    QTest::newRow("presence pointer is a string") << QByteArray(R"({"type":"presence","pointer":"here"})") << invalid;
    QTest::newRow("server-only connection:ack")
        << QByteArray(R"({"type":"connection:ack","user_id":"x","session_id":"lab"})") << invalid;
    QTest::newRow("server-only user:joined") << QByteArray(R"({"type":"user:joined","user_id":"ghost"})") << invalid;
    // Well-formed but refused by the session's rules.
    QTest::newRow("move of a missing item")
        << cmd(R"({"action":"move_item","item_id":"nope","data":{"x_mm":1}})") << QByteArray("command_rejected");
    QTest::newRow("remove of a missing item")
        << cmd(R"({"action":"remove_item","item_id":"honest0-999999"})") << QByteArray("command_rejected");
}

void TestHostile::invalidMessage()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, code);
    auto s = joinAttacker("mallory");
    QVERIFY(s);
    s->sendText(text);
    const QByteArray reply = s->waitForType("error", Wait);
    record(QStringLiteral("message, %1").arg(QString::fromLatin1(QTest::currentDataTag())), *s);
    QVERIFY2(!reply.isEmpty(), "no error reply");
    QCOMPARE(codeOf(reply), code);
    QVERIFY2(s->stillServes(Wait), "an invalid message cost the connection");
}

// --- size -----------------------------------------------------------------

void TestHostile::oversizedMessages()
{
    // Four attackers send a 16 MiB message as 256 fragments of 64 KiB, four a
    // single 16 MiB frame, all at once: 128 MiB offered to a server whose
    // limit is 1 MiB per message. Each must get 1009 and the server must not
    // buffer what it refuses.
    constexpr qint64 Size = 16 * 1024 * 1024;
    constexpr qint64 Fragment = 64 * 1024;
    const QByteArray head(R"({"type":"ping","pad":")");
    std::vector<std::unique_ptr<HostileSocket>> attackers;
    for (int i = 0; i < 8; ++i) {
        auto s = joinAttacker("giant" + QByteArray::number(i));
        QVERIFY(s);
        attackers.push_back(std::move(s));
    }
    const qint64 rssBefore = m_server.rssKiB();
    const qint64 peakBefore = m_peakRssKiB;
    m_peakRssKiB = rssBefore;
    for (int i = 0; i < 8; ++i) {
        HostileSocket &s = *attackers[size_t(i)];
        if (i < 4) {
            for (qint64 off = 0; off < Size; off += Fragment) {
                const QByteArray chunk = off == 0 ? head + QByteArray(Fragment - head.size(), 'p') : QByteArray(Fragment, 'p');
                s.write(s.frame(off == 0 ? HostileSocket::Text : HostileSocket::Continuation, chunk,
                                off + Fragment >= Size));
            }
        } else {
            QByteArray key("\x11\x22\x33\x44", 4);
            s.write(s.frameHeader(HostileSocket::Text, quint64(Size), true, key));
            s.write(QByteArray(Size, 'q')); // masked garbage: the server must stop at the header
        }
    }
    for (int i = 0; i < 8; ++i) {
        HostileSocket &s = *attackers[size_t(i)];
        QVERIFY2(s.waitDisconnected(30000), "an oversized sender was never dropped");
        record(QStringLiteral("16 MiB %1 (attacker wrote %2 KiB before the drop)")
                   .arg(i < 4 ? QLatin1String("message in 64 KiB fragments") : QLatin1String("single frame"))
                   .arg(s.bytesSent / 1024),
               s);
        QCOMPARE(s.closeCode, 1009);
    }
    const qint64 phasePeak = m_peakRssKiB;
    m_peakRssKiB = std::max(peakBefore, phasePeak);
    qInfo() << "oversized phase: server RSS before" << rssBefore << "KiB, peak" << phasePeak << "KiB (+"
            << (phasePeak - rssBefore) / 1024 << "MiB for 128 MiB offered)";
    QVERIFY2(phasePeak - rssBefore < RssBudgetKiB, "the server buffered what it refused");
}

// --- frames -----------------------------------------------------------------

void TestHostile::binaryFrame()
{
    auto s = joinAttacker("binary");
    QVERIFY(s);
    s->sendFrame(HostileSocket::Binary, QByteArray("\x00\x01\x02\xff", 4));
    QVERIFY(s->waitClosed(Wait));
    QVERIFY(s->waitDisconnected(Wait));
    record(QStringLiteral("binary frame"), *s);
    QCOMPARE(codeOf(s->waitForType("error", 0)), QByteArray("binary_not_supported"));
    QCOMPARE(s->closeCode, 1003);
}

void TestHostile::invalidUtf8_data()
{
    QTest::addColumn<QList<QByteArray>>("fragments");
    const QByteArray head(R"({"type":"ping","x":")");
    QTest::newRow("lone continuation byte") << QList<QByteArray>{head + "\x80\"}"};
    QTest::newRow("overlong '/'") << QList<QByteArray>{head + "\xC0\xAF\"}"};
    QTest::newRow("UTF-16 surrogate") << QList<QByteArray>{head + "\xED\xA0\x80\"}"};
    QTest::newRow("beyond U+10FFFF") << QList<QByteArray>{head + "\xF4\x90\x80\x80\"}"};
    QTest::newRow("truncated at the end") << QList<QByteArray>{head + "\xE2\x82"};
    QTest::newRow("split: bad byte opens the next fragment") << QList<QByteArray>{head + "\xE2\x82", "\x28\"}"};
    QTest::newRow("split: message ends inside a character") << QList<QByteArray>{head, "\xF0\x9F\x98"};
    QTest::newRow("split: bad byte in a middle fragment")
        << QList<QByteArray>{head + "ok", "\xC3", "\x28", "\"}"};
}

void TestHostile::invalidUtf8()
{
    QFETCH(QList<QByteArray>, fragments);
    auto s = joinAttacker("utf8");
    QVERIFY(s);
    for (qsizetype i = 0; i < fragments.size(); ++i)
        s->sendFrame(i == 0 ? HostileSocket::Text : HostileSocket::Continuation, fragments.at(i),
                     i == fragments.size() - 1);
    QVERIFY(s->waitClosed(Wait));
    s->waitDisconnected(Wait);
    record(QStringLiteral("invalid UTF-8, %1").arg(QString::fromLatin1(QTest::currentDataTag())), *s);
    QCOMPARE(s->closeCode, 1007);
}

void TestHostile::validUtf8SplitAcrossFragments()
{
    // RFC 6455 §5.6: text may be split anywhere, even inside a character.
    auto s = joinAttacker("utf8ok");
    QVERIFY(s);
    s->sendFrame(HostileSocket::Text, R"({"type":"ping","x":"€ )" "\xE2\x82", false);
    s->sendFrame(HostileSocket::Continuation, "\xAC\"}");
    const QByteArray pong = s->waitForType("pong", Wait);
    record(QStringLiteral("valid UTF-8, euro sign split across two fragments"), *s);
    // Qt 6.4's QWebSocketDataProcessor checks each fragment on its own. A Qt
    // client splits a text message over 512 KiB (its default outgoing frame
    // size) at byte offsets, so such a message with a non-ASCII character on
    // the boundary is refused the same way.
    QEXPECT_FAIL("", "Qt 6.4 closes with 1007 when a character is split across fragments", Abort);
    QVERIFY(!pong.isEmpty());
}

void TestHostile::unmaskedFrame()
{
    // RFC 6455 §5.1: a server must close on an unmasked client frame.
    auto s = joinAttacker("unmasked");
    QVERIFY(s);
    s->write(s->frame(HostileSocket::Text, R"({"type":"ping"})", true, false));
    const QByteArray pong = s->waitForType("pong", Wait);
    record(QStringLiteral("unmasked text frame"), *s);
    // Qt 6.4 reads it like a masked one. Harmless here (masking protects
    // proxies' caches, not this server), so the connection is just served.
    QEXPECT_FAIL("", "Qt 6.4 does not enforce client masking", Continue);
    QVERIFY(pong.isEmpty());
    QVERIFY(s->stillServes(Wait));
}

void TestHostile::protocolViolation_data()
{
    QTest::addColumn<int>("violation");
    QTest::addColumn<int>("expectedClose");
    QTest::newRow("fragmented ping") << int(FragmentedPing) << 1002;
    QTest::newRow("ping of 126 bytes") << int(OversizedPing) << 1002;
    QTest::newRow("close of 130 bytes") << int(OversizedClose) << 1002;
    QTest::newRow("fragmented close") << int(FragmentedClose) << 1002;
    QTest::newRow("RSV1 without extension") << int(Rsv1Text) << 1002;
    QTest::newRow("RSV3") << int(Rsv3Text) << 1002;
    QTest::newRow("reserved data opcode 0x3") << int(ReservedDataOpcode) << 1002;
    QTest::newRow("reserved control opcode 0xB") << int(ReservedControlOpcode) << 1002;
    QTest::newRow("continuation without a start") << int(ContinuationWithoutStart) << 1002;
    QTest::newRow("new text inside a fragmented message") << int(TextInsideFragmentedMessage) << 1002;
    QTest::newRow("close with a 1-byte payload") << int(CloseOneBytePayload) << 1002;
    QTest::newRow("close with code 999") << int(CloseInvalidCode) << 1002;
    QTest::newRow("64-bit length with the top bit set") << int(HugeLength64Bit) << 1002;
}

void TestHostile::protocolViolation()
{
    QFETCH(int, violation);
    QFETCH(int, expectedClose);
    auto s = joinAttacker("violator");
    QVERIFY(s);
    const QByteArray ping(R"({"type":"ping"})");
    switch (Violation(violation)) {
    case FragmentedPing:
        s->write(s->frame(HostileSocket::Ping, "ab", false) + s->frame(HostileSocket::Ping, "cd"));
        break;
    case OversizedPing:
        s->sendFrame(HostileSocket::Ping, QByteArray(126, 'p'));
        break;
    case OversizedClose:
        s->sendFrame(HostileSocket::Close, QByteArray("\x03\xe8", 2) + QByteArray(128, 'c'));
        break;
    case FragmentedClose:
        s->write(s->frame(HostileSocket::Close, QByteArray("\x03", 1), false)
                 + s->frame(HostileSocket::Continuation, QByteArray("\xe8", 1)));
        break;
    case Rsv1Text:
        s->write(s->frame(HostileSocket::Text, ping, true, true, 0x4));
        break;
    case Rsv3Text:
        s->write(s->frame(HostileSocket::Text, ping, true, true, 0x1));
        break;
    case ReservedDataOpcode:
        s->sendFrame(0x3, ping);
        break;
    case ReservedControlOpcode:
        s->sendFrame(0xB, "x");
        break;
    case ContinuationWithoutStart:
        s->sendFrame(HostileSocket::Continuation, ping);
        break;
    case TextInsideFragmentedMessage:
        s->write(s->frame(HostileSocket::Text, R"({"type":)", false) + s->frame(HostileSocket::Text, ping));
        break;
    case CloseOneBytePayload:
        s->sendFrame(HostileSocket::Close, QByteArray("\x03", 1));
        break;
    case CloseInvalidCode:
        s->sendFrame(HostileSocket::Close, QByteArray("\x03\xe7", 2));
        break;
    case HugeLength64Bit: // RFC 6455: the most significant bit must be 0
        s->write(QByteArray("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x05\x01\x02\x03\x04", 14) + "hello");
        break;
    }
    QVERIFY2(s->waitClosed(Wait), "no reaction to a protocol violation");
    s->waitDisconnected(Wait);
    record(QStringLiteral("frames, %1").arg(QString::fromLatin1(QTest::currentDataTag())), *s);
    QCOMPARE(s->closeCode, expectedClose);
}

// --- connections ------------------------------------------------------------

void TestHostile::slowloris()
{
    // Three clients trickle a valid upgrade request, one byte per 100 ms
    // (it would take ~20 s); the handshake deadline must cut them off.
    const int timeoutsBefore = m_server.logCount("Handshake timeout");
    std::vector<std::unique_ptr<HostileSocket>> lorises;
    const QByteArray request = HostileSocket::upgradeRequest(m_server.port(), "/ws/lab/loris");
    QTimer trickle;
    int sent = 0;
    for (int i = 0; i < 3; ++i) {
        lorises.push_back(std::make_unique<HostileSocket>());
        lorises.back()->connectTo(m_server.port());
        QVERIFY(lorises.back()->waitConnected());
    }
    QElapsedTimer clock;
    clock.start();
    connect(&trickle, &QTimer::timeout, this, [&] {
        if (sent >= request.size() - 2) // never the final blank line
            return;
        for (auto &s : lorises)
            s->write(request.mid(sent, 1));
        ++sent;
    });
    trickle.start(100);
    for (auto &s : lorises)
        QVERIFY2(s->waitDisconnected(Wait), "a slowloris client was never dropped");
    const qint64 lasted = clock.elapsed();
    trickle.stop();
    for (auto &s : lorises) {
        record(QStringLiteral("slowloris handshake (dropped after %1 ms, %2 bytes trickled)").arg(lasted).arg(sent),
               *s);
        QVERIFY(!s->upgraded());
    }
    QVERIFY(lasted >= HandshakeTimeoutMs / 2);
    QVERIFY(QTest::qWaitFor([&] { return m_server.logCount("Handshake timeout") >= timeoutsBefore + 3; }, Wait));
}

void TestHostile::connectStorm()
{
    // 1,000 connections in waves of 25, four kinds: TCP connect and close; a
    // half-sent handshake then abort; a full join then abort (RST); a full
    // join then a proper close.
    constexpr int Total = 1000;
    constexpr int Wave = 25;
    int upgraded = 0;
    QElapsedTimer clock;
    clock.start();
    for (int base = 0; base < Total; base += Wave) {
        std::vector<std::unique_ptr<HostileSocket>> wave;
        for (int i = base; i < base + Wave; ++i) {
            auto s = std::make_unique<HostileSocket>();
            if (i % 4 >= 2)
                s->open(m_server.port(), "/ws/lab/storm" + QByteArray::number(i));
            else
                s->connectTo(m_server.port());
            wave.push_back(std::move(s));
        }
        for (size_t k = 0; k < wave.size(); ++k) {
            HostileSocket &s = *wave[k];
            switch ((base + int(k)) % 4) {
            case 0:
                s.waitConnected();
                s.socket()->disconnectFromHost();
                break;
            case 1:
                s.waitConnected();
                s.write("GET /ws/lab/half HTTP/1.1\r\nHost: 127");
                s.socket()->flush();
                s.abort();
                break;
            case 2:
                if (s.waitUpgraded(Wait))
                    ++upgraded;
                s.abort();
                break;
            default:
                if (s.waitUpgraded(Wait))
                    ++upgraded;
                s.write(s.frame(HostileSocket::Close, QByteArray("\x03\xe8", 2)));
                break;
            }
        }
        for (size_t k = 0; k < wave.size(); ++k) {
            if ((base + int(k)) % 4 == 3)
                QVERIFY(wave[k]->waitDisconnected(Wait));
        }
    }
    const qint64 elapsed = clock.elapsed();
    // Every storm member that joined has left again, and every descriptor is back.
    HonestPeer &watcher = *m_peers.front();
    auto stormCount = [](const QStringList &users) {
        return std::count_if(users.cbegin(), users.cend(), [](const QString &u) { return u.startsWith(QLatin1String("storm")); });
    };
    QVERIFY(QTest::qWaitFor([&] { return stormCount(watcher.usersJoined) == upgraded && stormCount(watcher.usersLeft) == upgraded; }, Wait));
    QVERIFY2(QTest::qWaitFor([&] { return m_server.fdCount() <= m_baselineFds; }, Wait),
             qPrintable(QStringLiteral("fds: %1, baseline %2").arg(m_server.fdCount()).arg(m_baselineFds)));
    const QString line = QStringLiteral("storm of %1 connects/disconnects in %2 ms: %3 of %4 joins upgraded, all left; "
                                        "server fds back to %5")
                             .arg(Total).arg(elapsed).arg(upgraded).arg(Total / 2).arg(m_server.fdCount());
    qInfo().noquote() << line;
    m_reactions.append(line);
    QVERIFY(upgraded >= Total / 2 - 5);
}

void TestHostile::neverReadingReader()
{
    auto sloth = joinAttacker("sloth");
    QVERIFY(sloth);
    sloth->stopReading();
    HonestPeer &writer = *m_peers.front();
    HonestPeer &watcher = *m_peers.back();
    auto gone = [&] { return watcher.usersLeft.contains(QLatin1String("sloth")); };
    int sent = 0;
    while (!gone() && sent < 600) {
        for (int i = 0; i < 10; ++i, ++sent)
            writer.sendBulk(32 * 1024);
        const QString last = writer.name() + QLatin1Char('#') + QString::number(writer.sentCount());
        QVERIFY(QTest::qWaitFor([&] { return watcher.received.contains(last); }, Wait));
    }
    QVERIFY2(QTest::qWaitFor(gone, Wait), "the reader that never reads was never dropped");
    QVERIFY(m_server.logCount("send buffer exceeded") >= 1);
    const QString line = QStringLiteral("reader that never reads: dropped after %1 updates of 32 KiB (%2 MiB) by the "
                                        "send-buffer cap (server log: \"send buffer exceeded\"); close 1008 sent")
                             .arg(sent).arg(sent * 32 / 1024.0, 0, 'f', 1);
    qInfo().noquote() << line;
    m_reactions.append(line);
}

void TestHostile::largeNonAsciiStateReachesQtClients_data()
{
    QTest::addColumn<int>("padding");
    QTest::newRow("offset 0") << 0;
    QTest::newRow("offset 1") << 1;
    QTest::newRow("offset 2") << 2;
}

void TestHostile::largeNonAsciiStateReachesQtClients()
{
    // Not an attack, found by one: a scene over 512 KiB whose text is not
    // ASCII. Qt splits outgoing messages into 512 KiB frames at byte offsets
    // and Qt 6.4 refuses a character split across frames (see
    // validUtf8SplitAcrossFragments), so the server must not fragment what it
    // sends. Three paddings put the boundary at each offset in a character.
    QFETCH(int, padding);
    const QString session = QStringLiteral("unicode%1").arg(padding);
    HonestPeer author(QStringLiteral("author"));
    author.open(m_server.port(), session);
    QVERIFY(author.waitJoined(Wait));
    const QString euros(80000, QChar(0x20AC));
    QWebSocket writer;
    writer.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/%2/writer").arg(m_server.port()).arg(session)));
    QVERIFY(QTest::qWaitFor([&] { return writer.state() == QAbstractSocket::ConnectedState; }, Wait));
    for (int i = 0; i < 3; ++i) {
        const QJsonObject command{{QLatin1String("action"), QLatin1String("add_item")},
                                  {QLatin1String("item_type"), QLatin1String("label")},
                                  {QLatin1String("item_id"), QStringLiteral("text%1").arg(i)},
                                  {QLatin1String("data"), QJsonObject{{QLatin1String("text"),
                                                                       QString(QString(padding, QLatin1Char('p')) + euros)}}}};
        writer.sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{{QLatin1String("type"), QLatin1String("command")},
                                                                            {QLatin1String("command"), command}})
                                                     .toJson(QJsonDocument::Compact)));
    }
    QVERIFY(QTest::qWaitFor([&] { return author.seqs.size() >= 3; }, Wait)); // 3 × 240 KB of UTF-8

    // An original client gets the scene pushed on join.
    QWebSocket reader;
    QString fullState;
    connect(&reader, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        if (text.contains(QLatin1String("sync:full_state")))
            fullState = text;
    });
    reader.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/%2/reader").arg(m_server.port()).arg(session)));
    QVERIFY(QTest::qWaitFor([&] { return !fullState.isEmpty() || reader.closeCode() != QWebSocketProtocol::CloseCodeNormal; },
                            Wait));
    const QString line = QStringLiteral("%1 KB sync:full_state with non-ASCII text, boundary offset %2, to a Qt client: %3")
                             .arg(fullState.toUtf8().size() / 1000).arg(padding)
                             .arg(fullState.isEmpty() ? QStringLiteral("refused, close %1 \"%2\"")
                                                            .arg(int(reader.closeCode())).arg(reader.closeReason())
                                                      : QStringLiteral("delivered"));
    qInfo().noquote() << line;
    m_reactions.append(line);
    QVERIFY(fullState.contains(euros));
}

void TestHostile::honestTrafficIntact()
{
    m_pacer.stop();
    qint64 total = 0;
    QSet<QString> expected;
    for (const auto &p : m_peers) {
        total += p->sentCount();
        for (qint64 cs = 1; cs <= p->sentCount(); ++cs)
            expected.insert(p->name() + QLatin1Char('#') + QString::number(cs));
    }
    QVERIFY(QTest::qWaitFor([&] {
        return std::all_of(m_peers.cbegin(), m_peers.cend(), [&](const auto &p) { return p->seqs.size() >= total; });
    }, 30000));
    QList<qint64> inOrder(total);
    std::iota(inOrder.begin(), inOrder.end(), 1);
    for (const auto &p : m_peers) {
        QVERIFY2(!p->disconnected, qPrintable(p->name()));
        QCOMPARE(p->rejected, 0);
        QCOMPARE(p->errors, 0);
        QCOMPARE(p->seqs, inOrder); // every command, once, in server order
        QCOMPARE(p->received, expected);
    }

    // No ghost members: a newcomer is told of exactly the ten honest peers.
    HonestPeer auditor(QStringLiteral("auditor"));
    auditor.open(m_server.port(), Lab);
    QVERIFY(auditor.waitJoined(Wait));
    QStringList users = auditor.ackUsers;
    users.sort();
    QStringList honest{QStringLiteral("auditor")};
    for (const auto &p : m_peers)
        honest.append(p->name());
    honest.sort();
    QCOMPARE(users, honest);

    sampleRss();
    const qint64 rss = m_server.rssKiB();
    const QString line = QStringLiteral("honest traffic: %1 commands from %2 peers, each delivered to all %2 in order; "
                                        "server RSS baseline %3 KiB, peak %4 KiB (+%5 MiB), now %6 KiB; fds %7 (baseline %8)")
                             .arg(total).arg(HonestPeers).arg(m_baselineRssKiB).arg(m_peakRssKiB)
                             .arg((m_peakRssKiB - m_baselineRssKiB) / 1024.0, 0, 'f', 1).arg(rss)
                             .arg(m_server.fdCount()).arg(m_baselineFds);
    qInfo().noquote() << line;
    m_reactions.append(line);
    QVERIFY2(m_peakRssKiB - m_baselineRssKiB < RssBudgetKiB, "server memory grew beyond the budget");
    QVERIFY(m_server.isRunning());
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
