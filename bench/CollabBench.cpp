// SPDX-License-Identifier: MIT
//
// optiverse-collab-bench: load generator and meter for any server speaking the
// Optiverse collaboration protocol (ws://HOST:PORT/ws/<session>/<user>).
//
// It links no server code and declares no capabilities, so it measures the
// path original clients take and works against original servers too.
//
// Phases (each optional, in this order, each bounded by its own deadlines):
//   load  N sessions x M clients each sending move_item commands at R/s,
//         paced by one timer and spread evenly over all clients; receivers
//         compute latency from the steady-clock time embedded in the command.
//   idle  K idle connections in extra sessions; server RSS before/after.
//   join  one client pushes a sync:full_state of N items; fresh clients then
//         connect and send sync:request; time until the state is parsed.

#include "BenchUtil.h"

#include <QAbstractSocket>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>
#include <QUrl>
#include <QUuid>
#include <QWebSocket>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace OptiverseBench;
using L1 = QLatin1String;

constexpr qint64 kMsNs = 1000000;
constexpr qint64 kSecNs = 1000000000;

struct Options
{
    QUrl url;
    int sessions = 10;
    int clients = 10;
    double rate = 10;
    double duration = 10;
    double warmup = 2;
    double drain = 3;
    qint64 serverPid = 0;
    int idle = 0;
    int idlePerSession = 10;
    double idleSettle = 1;
    int joinItems = 0;
    int joinRepeats = 3;
    int connectConcurrency = 64;
    double connectTimeout = 30;
    bool lowDelay = true;
    bool json = false;
    QString markdownLabel;
};

struct Client
{
    enum class Role { Load, Idle, Loader, Joiner };
    enum class State { New, Connecting, Open, Acked, Failed, Closed };

    Role role = Role::Load;
    State state = State::New;
    QWebSocket *ws = nullptr;
    int session = -1; // load: session index
    int index = -1;   // load: client index within its session
    QString sessionId;
    QString userId;
    QString itemId;
    QString cmdHead; // load: {"type":"command","user_id":"…","timestamp":"
    QString cmdMid;  // load: ","command":{…,"data":{"x_mm":
    QString cmdTail; // load: ,"bench_s":S,"bench_c":C}}}
    qint64 seq = 0;
    qint64 startNs = 0;
    qint64 ackNs = 0;
    qint64 requestNs = 0;           // join: sync:request sent
    qint64 stateNs = 0;             // join: first full_state with the expected items
    qint64 stateAfterRequestNs = 0; // join: first such full_state after the request
    qint64 stateParseNs = 0;        // join: time spent parsing that full_state
    int stateItems = -1;            // items in the last full_state received
    bool closeRequested = false;    // we closed it: its disconnect is no error

    bool pending() const { return state == State::New || state == State::Connecting || state == State::Open; }
};

struct Stats
{
    double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

Stats latencyStats(std::vector<qint64> &ns)
{
    Stats s;
    if (ns.empty())
        return s;
    std::sort(ns.begin(), ns.end());
    const auto at = [&](double q) {
        const size_t i = std::min(ns.size() - 1, size_t(std::floor(q * double(ns.size()))));
        return double(ns[i]) / double(kMsNs);
    };
    s.p50 = at(0.50);
    s.p90 = at(0.90);
    s.p99 = at(0.99);
    s.max = double(ns.back()) / double(kMsNs);
    double sum = 0;
    for (qint64 v : ns)
        sum += double(v);
    s.mean = sum / double(ns.size()) / double(kMsNs);
    return s;
}

double round3(double v)
{
    return std::round(v * 1000.0) / 1000.0;
}

qint64 selfCpuUs()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return qint64(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

bool isJsonSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r';
}

/// Finds "key" (with quotes) in @p msg and parses the JSON number after it,
/// whatever whitespace or key order the server used when re-serialising.
bool numberAfterKey(QStringView msg, QStringView quotedKey, double *out)
{
    const qsizetype k = msg.indexOf(quotedKey);
    if (k < 0)
        return false;
    const qsizetype n = msg.size();
    qsizetype i = k + quotedKey.size();
    while (i < n && isJsonSpace(msg[i]))
        ++i;
    if (i >= n || msg[i] != u':')
        return false;
    ++i;
    while (i < n && isJsonSpace(msg[i]))
        ++i;
    const qsizetype start = i;
    bool negative = false;
    if (i < n && msg[i] == u'-') {
        negative = true;
        ++i;
    }
    const qsizetype digits = i;
    qint64 v = 0;
    while (i < n && msg[i] >= u'0' && msg[i] <= u'9') {
        v = v * 10 + (msg[i].unicode() - u'0');
        ++i;
    }
    if (i == digits)
        return false;
    if (i < n && (msg[i] == u'.' || msg[i] == u'e' || msg[i] == u'E')) {
        qsizetype j = i;
        while (j < n && (msg[j].isDigit() || msg[j] == u'.' || msg[j] == u'e' || msg[j] == u'E'
                         || msg[j] == u'+' || msg[j] == u'-'))
            ++j;
        bool ok = false;
        const double d = msg.mid(start, j - start).toDouble(&ok);
        if (!ok)
            return false;
        *out = d;
        return true;
    }
    *out = double(negative ? -v : v);
    return true;
}

class Bench : public QObject
{
public:
    explicit Bench(const Options &opt)
        : m_opt(opt)
        , m_tag(QStringLiteral("bench-%1-%2").arg(QCoreApplication::applicationPid()).arg(QDateTime::currentMSecsSinceEpoch() % 100000))
        , m_epochNs(monotonicNs())
    {
        m_tick.setTimerType(Qt::PreciseTimer);
        m_tick.setInterval(1);
        QObject::connect(&m_tick, &QTimer::timeout, this, [this] { onTick(); });
        refreshTimestamp();
    }

    ~Bench() override { destroyClients(); }

    int run();

private:
    // --- connections -------------------------------------------------------
    Client *newClient(Client::Role role, const QString &sessionId, const QString &userId)
    {
        auto c = std::make_unique<Client>();
        c->role = role;
        c->sessionId = sessionId;
        c->userId = userId;
        m_clients.push_back(std::move(c));
        return m_clients.back().get();
    }

    QUrl endpoint(const Client *c) const
    {
        QUrl u = m_opt.url;
        QString base = u.path();
        while (base.endsWith(u'/'))
            base.chop(1);
        u.setPath(base + QStringLiteral("/ws/") + QString::fromLatin1(QUrl::toPercentEncoding(c->sessionId))
                      + u'/' + QString::fromLatin1(QUrl::toPercentEncoding(c->userId)),
                  QUrl::TolerantMode);
        return u;
    }

    void open(Client *c)
    {
        if (!c->ws) {
            c->ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, nullptr);
            QWebSocket *ws = c->ws;
            QObject::connect(ws, &QWebSocket::connected, this, [this, c] { onConnected(c); });
            QObject::connect(ws, &QWebSocket::textMessageReceived, this,
                             [this, c](const QString &m) { onText(c, m); });
            QObject::connect(ws, &QWebSocket::disconnected, this, [this, c] { onDisconnected(c); });
            QObject::connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
                             [this, c](QAbstractSocket::SocketError) { onError(c); });
        }
        c->state = Client::State::Connecting;
        c->startNs = monotonicNs();
        c->ws->open(endpoint(c));
    }

    /// Opens @p list with at most --connect-concurrency handshakes in flight and
    /// waits until each is acknowledged or failed, or the deadline passes.
    int connectAll(const std::vector<Client *> &list, double timeoutS)
    {
        m_queue = list;
        m_queuePos = 0;
        m_inFlight = 0;
        pump();
        const qint64 deadline = monotonicNs() + qint64(timeoutS * double(kSecNs));
        waitUntil([&] { return std::none_of(list.begin(), list.end(), [](Client *c) { return c->pending(); }); },
                  deadline);
        m_queue.clear();
        int acked = 0;
        for (Client *c : list) {
            if (c->state == Client::State::Acked)
                ++acked;
            else if (c->pending())
                noteError(QStringLiteral("%1/%2: no connection:ack within %3 s")
                              .arg(c->sessionId, c->userId)
                              .arg(timeoutS));
        }
        return acked;
    }

    void pump()
    {
        while (m_inFlight < m_opt.connectConcurrency && m_queuePos < m_queue.size()) {
            ++m_inFlight;
            open(m_queue[m_queuePos++]);
        }
    }

    void handshakeDone()
    {
        if (m_inFlight > 0)
            --m_inFlight;
        pump();
    }

    void onConnected(Client *c)
    {
        if (c->state == Client::State::Connecting)
            c->state = Client::State::Open;
        ++m_nd.connections;
        // QWebSocket (Qt 6.4) creates its QTcpSocket as its own child and only
        // tries LowDelayOption before connecting, when there is no socket
        // engine yet: set it now, and read back what the kernel has.
        auto *socket = c->ws->findChild<QAbstractSocket *>(QString(), Qt::FindDirectChildrenOnly);
        if (!socket)
            return;
        ++m_nd.found;
        if (tcpNoDelay(socket) == 1)
            ++m_nd.alreadyOn;
        if (m_opt.lowDelay)
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (tcpNoDelay(socket) == 1)
            ++m_nd.onAfter;
    }

    void onDisconnected(Client *c)
    {
        if (c->pending()) {
            c->state = Client::State::Failed;
            noteError(QStringLiteral("%1/%2: closed before connection:ack (%3 %4)")
                          .arg(c->sessionId, c->userId)
                          .arg(int(c->ws->closeCode()))
                          .arg(c->ws->closeReason()));
            handshakeDone();
            return;
        }
        if (c->state == Client::State::Acked) {
            c->state = Client::State::Closed;
            if (!m_closing && !c->closeRequested) {
                ++m_unexpectedDisconnects;
                noteError(QStringLiteral("%1/%2: disconnected by the server (%3 %4)")
                              .arg(c->sessionId, c->userId)
                              .arg(int(c->ws->closeCode()))
                              .arg(c->ws->closeReason()));
            }
        }
    }

    void onError(Client *c)
    {
        if (!m_closing && !c->closeRequested && c->state != Client::State::Closed)
            noteError(QStringLiteral("%1/%2: %3").arg(c->sessionId, c->userId, c->ws->errorString()));
        if (c->pending()) {
            c->state = Client::State::Failed;
            handshakeDone();
        }
    }

    void closeAll()
    {
        m_closing = true;
        for (auto &c : m_clients) {
            if (c->ws && c->ws->state() != QAbstractSocket::UnconnectedState)
                c->ws->close();
        }
        waitUntil(
            [this] {
                return std::all_of(m_clients.begin(), m_clients.end(), [](const std::unique_ptr<Client> &c) {
                    return !c->ws || c->ws->state() == QAbstractSocket::UnconnectedState;
                });
            },
            monotonicNs() + 5 * kSecNs);
        destroyClients();
        m_closing = false;
    }

    void destroyClients()
    {
        for (auto &c : m_clients) {
            if (c->ws) {
                QObject::disconnect(c->ws, nullptr, this, nullptr);
                c->ws->abort();
                delete c->ws;
                c->ws = nullptr;
            }
        }
        m_clients.clear();
    }

    // --- messages -----------------------------------------------------------
    void onText(Client *c, const QString &message)
    {
        const qint64 now = monotonicNs();
        // Bench commands are a few hundred bytes; a large message (a full
        // state that happens to hold moved items' data) never counts as one.
        if (message.size() < 4096 && message.contains(L1("\"bench_t\""))) {
            onBenchCommand(c, message, now);
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(message.toUtf8());
        if (!doc.isObject()) {
            ++m_uninterpreted;
            return;
        }
        const QJsonObject obj = doc.object();
        const QString type = obj.value(L1("type")).toString();
        if (type == L1("connection:ack")) {
            if (c->pending()) {
                c->state = Client::State::Acked;
                c->ackNs = now;
                handshakeDone();
                if (c->role == Client::Role::Joiner)
                    sendSyncRequest(c);
            }
        } else if (type == L1("sync:full_state")) {
            const int items = int(obj.value(L1("state")).toObject().value(L1("items")).toArray().size());
            const qint64 parsed = monotonicNs();
            c->stateItems = items;
            if (items == m_joinExpected && m_joinExpected >= 0) {
                if (!c->stateNs)
                    c->stateNs = parsed;
                if (c->requestNs && !c->stateAfterRequestNs) {
                    c->stateAfterRequestNs = parsed;
                    c->stateParseNs = parsed - now;
                }
            }
        } else if (type == L1("ping")) {
            c->ws->sendTextMessage(QStringLiteral("{\"type\":\"pong\"}"));
        } else if (type == L1("command:rejected") || type == L1("error")) {
            ++m_rejected;
            noteError(QStringLiteral("%1/%2 received %3").arg(c->sessionId, c->userId, message.left(200)));
        } else {
            ++m_otherMessages;
        }
    }

    void onBenchCommand(Client *c, QStringView message, qint64 now)
    {
        double t = 0, s = -1, ci = -1;
        if (!numberAfterKey(message, u"\"bench_t\"", &t) || !numberAfterKey(message, u"\"bench_s\"", &s)
            || !numberAfterKey(message, u"\"bench_c\"", &ci)) {
            ++m_uninterpreted;
            return;
        }
        const qint64 sentNs = m_epochNs + qint64(t);
        if (c->role != Client::Role::Load || int(s) != c->session) {
            ++m_cross;
            return;
        }
        if (int(ci) == c->index) {
            ++m_selfEcho;
            return;
        }
        ++m_deliveriesTotal;
        if (m_sampleWarmNs && !m_sampleEndNs)
            ++m_deliveriesByRecv;
        if (sentNs >= m_warmEndNs && sentNs < m_endNs) {
            ++m_deliveriesInWindow;
            m_latencies.push_back(now - sentNs);
        }
    }

    void sendSyncRequest(Client *c)
    {
        c->requestNs = monotonicNs();
        c->ws->sendTextMessage(QStringLiteral("{\"type\":\"sync:request\"}"));
    }

    QString commandJson(const QString &userId, const QString &action, const QString &itemType, const QString &itemId,
                        const QJsonObject &data) const
    {
        QJsonObject command;
        command.insert(QStringLiteral("action"), action);
        command.insert(QStringLiteral("item_type"), itemType);
        command.insert(QStringLiteral("item_id"), itemId);
        command.insert(QStringLiteral("data"), data);
        QJsonObject msg;
        msg.insert(QStringLiteral("type"), QStringLiteral("command"));
        msg.insert(QStringLiteral("user_id"), userId);
        msg.insert(QStringLiteral("timestamp"), m_timestamp);
        msg.insert(QStringLiteral("command"), command);
        return QString::fromUtf8(QJsonDocument(msg).toJson(QJsonDocument::Compact));
    }

    void refreshTimestamp()
    {
        m_timestamp = QDateTime::currentDateTime().toString(Qt::ISODateWithMs);
        m_timestampNs = monotonicNs();
    }

    // --- load phase ---------------------------------------------------------
    void sendMove(Client *c, qint64 now)
    {
        const qint64 n = c->seq++;
        const double x = double((n * 37 + c->index * 11) % 2000) * 0.05 - 50.0;
        const double y = double((n * 53 + c->session * 7) % 2000) * 0.05 - 50.0;
        const double a = double((n * 15) % 360);
        const QString msg = c->cmdHead % m_timestamp % c->cmdMid % QString::number(x, 'f', 2) % L1(",\"y_mm\":")
            % QString::number(y, 'f', 2) % L1(",\"angle_deg\":") % QString::number(a, 'f', 1) % L1(",\"bench_t\":")
            % QString::number(now - m_epochNs) % c->cmdTail;
        c->ws->sendTextMessage(msg);
        ++m_sentTotal;
        if (now >= m_warmEndNs && now < m_endNs) {
            ++m_sentInWindow;
            m_expected += m_opt.clients - 1;
        }
    }

    void sampleCpu(qint64 *serverTicks, qint64 *selfUs, bool *ok)
    {
        *selfUs = selfCpuUs();
        *ok = m_opt.serverPid > 0 && readProcCpuTicks(m_opt.serverPid, serverTicks);
    }

    void onTick()
    {
        qint64 now = monotonicNs();
        if (now - m_timestampNs > 50 * kMsNs)
            refreshTimestamp();
        if (!m_sampleWarmNs && now >= m_warmEndNs) {
            sampleCpu(&m_cpuWarmTicks, &m_selfWarmUs, &m_cpuWarmOk);
            m_sampleWarmNs = monotonicNs();
        }
        if (!m_sampleEndNs && now >= m_endNs) {
            sampleCpu(&m_cpuEndTicks, &m_selfEndUs, &m_cpuEndOk);
            m_sampleEndNs = monotonicNs();
            m_tick.stop();
            return;
        }
        const size_t total = m_order.size();
        while (m_nextSendNs <= now && m_nextSendNs < m_endNs) {
            Client *c = m_order[size_t(m_sendCount % qint64(total))];
            if (now - m_nextSendNs > 100 * kMsNs)
                ++m_skippedLate; // the event loop stalled: don't burst stale sends
            else if (c->state != Client::State::Acked)
                ++m_skippedClosed;
            else
                sendMove(c, now);
            ++m_sendCount;
            m_nextSendNs = m_t0Ns + qint64(double(m_sendCount) * m_periodNs);
            now = monotonicNs();
        }
    }

    bool runLoad(QJsonObject *out);
    bool runIdle(QJsonObject *out);
    bool runJoin(QJsonObject *out);
    QByteArray buildItems(int count, std::vector<QPair<QString, QJsonObject>> *itemsOut) const;

    // --- helpers ------------------------------------------------------------
    void waitUntil(const std::function<bool()> &done, qint64 deadlineNs)
    {
        if (done() || monotonicNs() >= deadlineNs)
            return;
        QEventLoop loop;
        QTimer poll;
        poll.setInterval(2);
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (done() || monotonicNs() >= deadlineNs)
                loop.quit();
        });
        poll.start();
        loop.exec();
    }

    void settle(int ms) { waitUntil([] { return false; }, monotonicNs() + ms * kMsNs); }

    void noteError(const QString &e)
    {
        ++m_errorCount;
        if (m_errors.size() < 10)
            m_errors.append(e);
    }

    Options m_opt;
    QString m_tag;
    qint64 m_epochNs = 0;
    std::vector<std::unique_ptr<Client>> m_clients;
    std::vector<Client *> m_queue;
    size_t m_queuePos = 0;
    int m_inFlight = 0;
    bool m_closing = false;
    QTimer m_tick;
    QString m_timestamp;
    qint64 m_timestampNs = 0;

    struct NoDelay
    {
        int connections = 0, found = 0, alreadyOn = 0, onAfter = 0;
    } m_nd;
    QStringList m_errors;
    int m_errorCount = 0;
    qint64 m_rejected = 0;
    qint64 m_uninterpreted = 0;
    qint64 m_otherMessages = 0;
    qint64 m_unexpectedDisconnects = 0;

    // load
    std::vector<Client *> m_order;
    qint64 m_t0Ns = 0, m_warmEndNs = 0, m_endNs = 0, m_nextSendNs = 0;
    double m_periodNs = 0;
    qint64 m_sendCount = 0, m_sentTotal = 0, m_sentInWindow = 0, m_expected = 0;
    qint64 m_skippedLate = 0, m_skippedClosed = 0;
    qint64 m_deliveriesTotal = 0, m_deliveriesInWindow = 0, m_deliveriesByRecv = 0;
    qint64 m_cross = 0, m_selfEcho = 0;
    std::vector<qint64> m_latencies;
    qint64 m_sampleWarmNs = 0, m_sampleEndNs = 0;
    qint64 m_cpuWarmTicks = 0, m_cpuEndTicks = 0, m_selfWarmUs = 0, m_selfEndUs = 0;
    bool m_cpuWarmOk = false, m_cpuEndOk = false;

    // join
    int m_joinExpected = -1;
};

bool Bench::runLoad(QJsonObject *out)
{
    const int S = m_opt.sessions;
    const int M = m_opt.clients;
    std::vector<Client *> all;
    for (int s = 0; s < S; ++s) {
        const QString sid = m_tag + QStringLiteral("-s%1").arg(s);
        for (int i = 0; i < M; ++i) {
            Client *c = newClient(Client::Role::Load, sid, QStringLiteral("s%1c%2").arg(s).arg(i));
            c->session = s;
            c->index = i;
            c->itemId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            c->cmdHead = L1("{\"type\":\"command\",\"user_id\":\"") % c->userId % L1("\",\"timestamp\":\"");
            c->cmdMid = L1("\",\"command\":{\"action\":\"move_item\",\"item_type\":\"lens\",\"item_id\":\"") % c->itemId
                % L1("\",\"data\":{\"x_mm\":");
            c->cmdTail = L1(",\"bench_s\":") % QString::number(s) % L1(",\"bench_c\":") % QString::number(i) % L1("}}}");
            all.push_back(c);
        }
    }
    const qint64 connectStart = monotonicNs();
    const int acked = connectAll(all, m_opt.connectTimeout + 0.02 * double(all.size()));
    out->insert(QStringLiteral("connect_ms"), round3(double(monotonicNs() - connectStart) / double(kMsNs)));
    if (acked != int(all.size())) {
        out->insert(QStringLiteral("error"), QStringLiteral("only %1 of %2 clients joined").arg(acked).arg(all.size()));
        closeAll();
        return false;
    }

    // Each client adds its own item first, so servers that check that a moved
    // item exists accept the moves.
    for (Client *c : all) {
        QJsonObject data;
        data.insert(QStringLiteral("x_mm"), 0);
        data.insert(QStringLiteral("y_mm"), 0);
        data.insert(QStringLiteral("angle_deg"), 0);
        data.insert(QStringLiteral("efl_mm"), 100);
        c->ws->sendTextMessage(commandJson(c->userId, QStringLiteral("add_item"), QStringLiteral("lens"), c->itemId, data));
    }
    settle(500);

    // Round-robin over clients, interleaving sessions: send k goes to
    // m_order[k % N] at t0 + k / (N * R).
    for (int i = 0; i < M; ++i)
        for (int s = 0; s < S; ++s)
            m_order.push_back(all[size_t(s * M + i)]);
    const double totalRate = double(S * M) * m_opt.rate;
    m_periodNs = double(kSecNs) / totalRate;
    m_t0Ns = monotonicNs() + 5 * kMsNs;
    m_warmEndNs = m_t0Ns + qint64(m_opt.warmup * double(kSecNs));
    m_endNs = m_warmEndNs + qint64(m_opt.duration * double(kSecNs));
    m_nextSendNs = m_t0Ns;
    m_latencies.reserve(size_t(totalRate * m_opt.duration * double(std::max(1, M - 1)) * 1.1));
    m_tick.start();
    waitUntil([this] { return m_sampleEndNs != 0; }, m_endNs + 30 * kSecNs);
    m_tick.stop();
    const qint64 drainStart = monotonicNs();
    waitUntil([this] { return m_deliveriesInWindow >= m_expected; },
              drainStart + qint64(m_opt.drain * double(kSecNs)));
    const double drainMs = double(monotonicNs() - drainStart) / double(kMsNs);

    const double windowS = double(m_sampleEndNs - m_sampleWarmNs) / double(kSecNs);
    const qint64 lost = std::max<qint64>(0, m_expected - m_deliveriesInWindow);
    const qint64 duplicates = std::max<qint64>(0, m_deliveriesInWindow - m_expected);
    const Stats lat = latencyStats(m_latencies);

    out->insert(QStringLiteral("sessions"), S);
    out->insert(QStringLiteral("clients_per_session"), M);
    out->insert(QStringLiteral("rate_per_client"), m_opt.rate);
    out->insert(QStringLiteral("window_s"), round3(windowS));
    out->insert(QStringLiteral("commands_sent"), m_sentTotal);
    out->insert(QStringLiteral("commands_in_window"), m_sentInWindow);
    out->insert(QStringLiteral("expected_deliveries"), m_expected);
    out->insert(QStringLiteral("deliveries"), m_deliveriesInWindow);
    out->insert(QStringLiteral("lost"), lost);
    out->insert(QStringLiteral("duplicates"), duplicates);
    out->insert(QStringLiteral("cross_session"), m_cross);
    out->insert(QStringLiteral("self_echo"), m_selfEcho);
    out->insert(QStringLiteral("deliveries_per_s"), std::round(double(m_deliveriesByRecv) / windowS));
    out->insert(QStringLiteral("drain_ms"), round3(drainMs));
    out->insert(QStringLiteral("skipped_sends_late"), m_skippedLate);
    out->insert(QStringLiteral("skipped_sends_closed"), m_skippedClosed);
    out->insert(QStringLiteral("unexpected_disconnects"), m_unexpectedDisconnects);
    QJsonObject l;
    l.insert(QStringLiteral("p50"), round3(lat.p50));
    l.insert(QStringLiteral("p90"), round3(lat.p90));
    l.insert(QStringLiteral("p99"), round3(lat.p99));
    l.insert(QStringLiteral("max"), round3(lat.max));
    l.insert(QStringLiteral("mean"), round3(lat.mean));
    out->insert(QStringLiteral("latency_ms"), l);
    if (m_cpuWarmOk && m_cpuEndOk && m_deliveriesByRecv > 0) {
        const double cpuUs = double(m_cpuEndTicks - m_cpuWarmTicks) * 1e6 / clockTicksPerSecond();
        out->insert(QStringLiteral("server_cpu_us_per_delivery"), round3(cpuUs / double(m_deliveriesByRecv)));
        out->insert(QStringLiteral("server_cpu_percent"), std::round(cpuUs / 1e6 / windowS * 1000.0) / 10.0);
    }
    out->insert(QStringLiteral("bench_cpu_percent"),
                std::round(double(m_selfEndUs - m_selfWarmUs) / 1e6 / windowS * 1000.0) / 10.0);
    closeAll();
    return true;
}

bool Bench::runIdle(QJsonObject *out)
{
    const int K = m_opt.idle;
    out->insert(QStringLiteral("connections"), K);
    if (m_opt.serverPid <= 0) {
        out->insert(QStringLiteral("error"), QStringLiteral("--idle-connections needs --server-pid"));
        return false;
    }
    settle(300);
    qint64 before = 0;
    if (!readProcRssKiB(m_opt.serverPid, &before)) {
        out->insert(QStringLiteral("error"), QStringLiteral("cannot read /proc/%1/status").arg(m_opt.serverPid));
        return false;
    }
    std::vector<Client *> all;
    const int per = std::max(1, m_opt.idlePerSession);
    for (int i = 0; i < K; ++i)
        all.push_back(newClient(Client::Role::Idle, m_tag + QStringLiteral("-idle%1").arg(i / per),
                                QStringLiteral("idle%1").arg(i)));
    const qint64 start = monotonicNs();
    const int acked = connectAll(all, m_opt.connectTimeout + 0.01 * double(K));
    const double connectS = double(monotonicNs() - start) / double(kSecNs);
    settle(int(m_opt.idleSettle * 1000)); // let the server finish the joins (user:joined fan-out, buffers)
    qint64 after = 0;
    const bool ok = readProcRssKiB(m_opt.serverPid, &after);
    out->insert(QStringLiteral("acked"), acked);
    out->insert(QStringLiteral("per_session"), per);
    out->insert(QStringLiteral("connect_s"), round3(connectS));
    out->insert(QStringLiteral("rss_before_kib"), before);
    if (ok) {
        out->insert(QStringLiteral("rss_after_kib"), after);
        if (acked > 0)
            out->insert(QStringLiteral("kib_per_connection"),
                        std::round(double(after - before) / double(acked) * 10.0) / 10.0);
    }
    closeAll();
    if (acked != K)
        out->insert(QStringLiteral("error"), QStringLiteral("only %1 of %2 idle connections joined").arg(acked).arg(K));
    return acked == K && ok;
}

QByteArray Bench::buildItems(int count, std::vector<QPair<QString, QJsonObject>> *itemsOut) const
{
    // Realistic scene items: type, pose and two or three type-specific params.
    struct Kind
    {
        const char *type;
        const char *params[3];
    };
    static const Kind kinds[] = {
        {"lens", {"efl_mm", "clear_aperture_mm", nullptr}},
        {"mirror", {"clear_aperture_mm", "thickness_mm", nullptr}},
        {"beamsplitter", {"split_T", "split_R", "clear_aperture_mm"}},
        {"source", {"wavelength_nm", "n_rays", "spread_deg"}},
        {"dichroic", {"cutoff_wavelength_nm", "transition_width_nm", "clear_aperture_mm"}},
        {"waveplate", {"phase_shift_deg", "fast_axis_deg", nullptr}},
        {"screen", {"length_mm", "line_width_px", nullptr}},
    };
    QRandomGenerator rng(42);
    QByteArray payload = "{\"type\":\"sync:full_state\",\"state\":{\"items\":[";
    payload.reserve(count * 160 + 64);
    for (int i = 0; i < count; ++i) {
        const Kind &k = kinds[size_t(rng.bounded(int(sizeof(kinds) / sizeof(kinds[0]))))];
        QJsonObject data;
        data.insert(QStringLiteral("x_mm"), std::round(rng.bounded(2000.0) - 1000.0) / 10.0);
        data.insert(QStringLiteral("y_mm"), std::round(rng.bounded(2000.0) - 1000.0) / 10.0);
        data.insert(QStringLiteral("angle_deg"), double(rng.bounded(360)));
        for (const char *p : k.params) {
            if (p)
                data.insert(QString::fromLatin1(p), std::round(rng.bounded(1000.0)) / 10.0);
        }
        QJsonObject item;
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        item.insert(QStringLiteral("item_id"), id);
        item.insert(QStringLiteral("item_type"), QString::fromLatin1(k.type));
        item.insert(QStringLiteral("data"), data);
        if (i)
            payload += ',';
        payload += QJsonDocument(item).toJson(QJsonDocument::Compact);
        if (itemsOut)
            itemsOut->push_back({QString::fromLatin1(k.type), data});
        if (itemsOut)
            itemsOut->back().second.insert(QStringLiteral("__id"), id);
    }
    payload += "]}}";
    return payload;
}

bool Bench::runJoin(QJsonObject *out)
{
    const int N = m_opt.joinItems;
    m_joinExpected = N;
    out->insert(QStringLiteral("items"), N);
    std::vector<QPair<QString, QJsonObject>> items;
    const QByteArray push = buildItems(N, &items);
    out->insert(QStringLiteral("push_bytes"), push.size());

    const qint64 loadTimeout = qint64(m_opt.connectTimeout * double(kSecNs));
    QString sessionId = m_tag + QStringLiteral("-join");
    Client *loader = newClient(Client::Role::Loader, sessionId, QStringLiteral("loader"));
    if (connectAll({loader}, m_opt.connectTimeout) != 1) {
        out->insert(QStringLiteral("error"), QStringLiteral("loader could not join"));
        closeAll();
        return false;
    }
    // 1. The session's first user pushes the whole state.
    loader->ws->sendTextMessage(QString::fromUtf8(push));
    sendSyncRequest(loader);
    waitUntil([&] { return loader->stateAfterRequestNs || loader->state != Client::State::Acked; },
              monotonicNs() + loadTimeout);
    QString mode = QStringLiteral("full_state");
    if (!loader->stateAfterRequestNs) {
        // 2. Fallback: build the state with add_item commands (e.g. the server
        // limits message size or ignores pushed states).
        out->insert(QStringLiteral("full_state_push"),
                    QStringLiteral("not reflected by sync:request (last state had %1 items, loader %2)")
                        .arg(loader->stateItems)
                        .arg(loader->state == Client::State::Acked ? QStringLiteral("connected")
                                                                   : QStringLiteral("disconnected")));
        closeAll();
        mode = QStringLiteral("add_item");
        sessionId = m_tag + QStringLiteral("-join2");
        loader = newClient(Client::Role::Loader, sessionId, QStringLiteral("loader"));
        if (connectAll({loader}, m_opt.connectTimeout) != 1) {
            out->insert(QStringLiteral("error"), QStringLiteral("loader could not join"));
            closeAll();
            return false;
        }
        for (const auto &it : items) {
            QJsonObject data = it.second;
            const QString id = data.take(QStringLiteral("__id")).toString();
            loader->ws->sendTextMessage(commandJson(loader->userId, QStringLiteral("add_item"), it.first, id, data));
        }
        sendSyncRequest(loader);
        waitUntil([&] { return loader->stateAfterRequestNs || loader->state != Client::State::Acked; },
                  monotonicNs() + loadTimeout);
        if (!loader->stateAfterRequestNs) {
            out->insert(QStringLiteral("error"),
                        QStringLiteral("server state has %1 items, not %2, after add_item").arg(loader->stateItems).arg(N));
            closeAll();
            return false;
        }
    }
    out->insert(QStringLiteral("load_mode"), mode);

    // 3. Fresh clients join and ask for the state (sync:request right on ack).
    std::vector<double> connectMs, requestMs;
    QJsonArray runs;
    for (int r = 0; r < m_opt.joinRepeats; ++r) {
        Client *j = newClient(Client::Role::Joiner, sessionId, QStringLiteral("joiner%1").arg(r));
        open(j);
        waitUntil([&] { return j->stateAfterRequestNs || j->state == Client::State::Failed
                               || j->state == Client::State::Closed; },
                  monotonicNs() + loadTimeout);
        if (!j->stateAfterRequestNs) {
            out->insert(QStringLiteral("error"),
                        QStringLiteral("joiner %1 got no full state with %2 items (last had %3)").arg(r).arg(N).arg(j->stateItems));
            closeAll();
            return false;
        }
        const double c = double(j->stateNs - j->startNs) / double(kMsNs);
        const double q = double(j->stateAfterRequestNs - j->requestNs) / double(kMsNs);
        connectMs.push_back(c);
        requestMs.push_back(q);
        QJsonObject run;
        run.insert(QStringLiteral("connect_to_state_ms"), round3(c));
        run.insert(QStringLiteral("ack_ms"), round3(double(j->ackNs - j->startNs) / double(kMsNs)));
        run.insert(QStringLiteral("request_to_state_ms"), round3(q));
        run.insert(QStringLiteral("client_parse_ms"), round3(double(j->stateParseNs) / double(kMsNs)));
        runs.append(run);
        j->closeRequested = true;
        j->ws->close();
        waitUntil([&] { return j->ws->state() == QAbstractSocket::UnconnectedState; }, monotonicNs() + 2 * kSecNs);
    }
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[v.size() / 2];
    };
    out->insert(QStringLiteral("runs"), runs);
    out->insert(QStringLiteral("connect_to_state_ms"), round3(median(connectMs)));
    out->insert(QStringLiteral("request_to_state_ms"), round3(median(requestMs)));
    closeAll();
    return true;
}

int Bench::run()
{
    QJsonObject result;
    result.insert(QStringLiteral("url"), m_opt.url.toString());
    result.insert(QStringLiteral("date"), QDateTime::currentDateTime().toString(Qt::ISODate));
    result.insert(QStringLiteral("cpus"), int(sysconf(_SC_NPROCESSORS_ONLN)));
    if (m_opt.serverPid > 0)
        result.insert(QStringLiteral("server_pid"), m_opt.serverPid);
    const qint64 fileLimit = raiseFileLimit();
    const qint64 needed = qint64(m_opt.sessions) * m_opt.clients + m_opt.idle + 64;
    if (fileLimit >= 0 && fileLimit < needed)
        noteError(QStringLiteral("open-file limit %1 is below the %2 sockets needed").arg(fileLimit).arg(needed));

    bool ok = true;
    if (m_opt.sessions > 0 && m_opt.clients > 0 && m_opt.duration > 0) {
        QJsonObject load;
        ok = runLoad(&load) && ok;
        result.insert(QStringLiteral("load"), load);
    }
    if (m_opt.idle > 0) {
        QJsonObject idle;
        ok = runIdle(&idle) && ok;
        result.insert(QStringLiteral("idle"), idle);
    }
    if (m_opt.joinItems > 0) {
        QJsonObject join;
        ok = runJoin(&join) && ok;
        result.insert(QStringLiteral("join"), join);
    }

    QJsonObject nd;
    nd.insert(QStringLiteral("enabled"), m_opt.lowDelay);
    nd.insert(QStringLiteral("connections"), m_nd.connections);
    nd.insert(QStringLiteral("tcp_socket_child_found"), m_nd.found);
    nd.insert(QStringLiteral("already_on_before"), m_nd.alreadyOn);
    nd.insert(QStringLiteral("on_after"), m_nd.onAfter);
    result.insert(QStringLiteral("client_tcp_nodelay"), nd);
    result.insert(QStringLiteral("rejected_or_error_messages"), m_rejected);
    result.insert(QStringLiteral("uninterpreted_messages"), m_uninterpreted);
    result.insert(QStringLiteral("errors"), QJsonArray::fromStringList(m_errors));
    result.insert(QStringLiteral("error_count"), m_errorCount);
    result.insert(QStringLiteral("ok"), ok);

    // Human summary (stderr when stdout carries JSON or a table row).
    const bool quietStdout = m_opt.json || !m_opt.markdownLabel.isEmpty();
    QTextStream human(quietStdout ? stderr : stdout);
    human << "optiverse-collab-bench against " << m_opt.url.toString() << '\n';
    if (result.contains(L1("load"))) {
        const QJsonObject l = result.value(L1("load")).toObject();
        const QJsonObject lat = l.value(L1("latency_ms")).toObject();
        if (l.contains(L1("error")))
            human << "  load: ERROR " << l.value(L1("error")).toString() << '\n';
        else
            human << "  load " << m_opt.sessions << "x" << m_opt.clients << "x" << m_opt.rate << "/s: "
                  << l.value(L1("deliveries_per_s")).toDouble() << " deliveries/s, latency p50 "
                  << lat.value(L1("p50")).toDouble() << " ms, p99 " << lat.value(L1("p99")).toDouble() << " ms, max "
                  << lat.value(L1("max")).toDouble() << " ms; lost " << l.value(L1("lost")).toInteger() << " of "
                  << l.value(L1("expected_deliveries")).toInteger() << ", cross-session "
                  << l.value(L1("cross_session")).toInteger() << ", self-echo " << l.value(L1("self_echo")).toInteger()
                  << "; server CPU "
                  << (l.contains(L1("server_cpu_us_per_delivery"))
                          ? QString::number(l.value(L1("server_cpu_us_per_delivery")).toDouble()) + QStringLiteral(" us/delivery (")
                              + QString::number(l.value(L1("server_cpu_percent")).toDouble()) + QStringLiteral("%)")
                          : QStringLiteral("n/a"))
                  << "; bench CPU " << l.value(L1("bench_cpu_percent")).toDouble() << "%\n";
    }
    if (result.contains(L1("idle"))) {
        const QJsonObject i = result.value(L1("idle")).toObject();
        human << "  idle: " << i.value(L1("acked")).toInt() << " connections, server RSS "
              << i.value(L1("rss_before_kib")).toInteger() << " -> " << i.value(L1("rss_after_kib")).toInteger()
              << " KiB = " << i.value(L1("kib_per_connection")).toDouble() << " KiB/connection"
              << (i.contains(L1("error")) ? QStringLiteral(" ERROR ") + i.value(L1("error")).toString() : QString())
              << '\n';
    }
    if (result.contains(L1("join"))) {
        const QJsonObject j = result.value(L1("join")).toObject();
        human << "  join " << j.value(L1("items")).toInt() << " items (" << j.value(L1("load_mode")).toString()
              << ", push " << j.value(L1("push_bytes")).toInt() << " bytes): connect->state "
              << j.value(L1("connect_to_state_ms")).toDouble() << " ms, request->state "
              << j.value(L1("request_to_state_ms")).toDouble() << " ms"
              << (j.contains(L1("error")) ? QStringLiteral(" ERROR ") + j.value(L1("error")).toString() : QString())
              << '\n';
    }
    human << "  client TCP_NODELAY: " << m_nd.onAfter << " of " << m_nd.connections << " sockets on (QTcpSocket child found on "
          << m_nd.found << ", already on before setting: " << m_nd.alreadyOn << ")\n";
    for (const QString &e : std::as_const(m_errors))
        human << "  error: " << e << '\n';
    human.flush();

    QTextStream out(stdout);
    if (m_opt.json)
        out << QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Indented));
    if (!m_opt.markdownLabel.isEmpty()) {
        const auto num = [](const QJsonObject &o, const char *key, int prec = -1) -> QString {
            const QJsonValue v = o.value(QLatin1String(key));
            if (v.isUndefined() || v.isNull())
                return QStringLiteral("–");
            return prec < 0 ? QString::number(v.toDouble(), 'g', 10) : QString::number(v.toDouble(), 'f', prec);
        };
        const QJsonObject l = result.value(L1("load")).toObject();
        const QJsonObject lat = l.value(L1("latency_ms")).toObject();
        const QJsonObject i = result.value(L1("idle")).toObject();
        const QJsonObject j = result.value(L1("join")).toObject();
        QString joinCell = QStringLiteral("–");
        if (j.contains(L1("error")))
            joinCell = QStringLiteral("error");
        else if (j.contains(L1("connect_to_state_ms")))
            joinCell = num(j, "connect_to_state_ms", 1) + QStringLiteral(" / ") + num(j, "request_to_state_ms", 1);
        const bool hasLoad = result.contains(L1("load")) && !l.contains(L1("error"));
        out << "| " << m_opt.markdownLabel << " | " << (hasLoad ? num(l, "deliveries_per_s", 0) : QStringLiteral("–"))
            << " | " << (hasLoad ? num(lat, "p50", 2) : QStringLiteral("–")) << " | "
            << (hasLoad ? num(lat, "p99", 2) : QStringLiteral("–")) << " | "
            << (hasLoad ? num(lat, "max", 1) : QStringLiteral("–")) << " | " << (hasLoad ? num(l, "lost") : QStringLiteral("–"))
            << " | " << (hasLoad ? num(l, "cross_session") : QStringLiteral("–")) << " | "
            << (hasLoad ? num(l, "server_cpu_us_per_delivery", 1) : QStringLiteral("–")) << " | "
            << num(i, "kib_per_connection", 1) << " | " << joinCell << " |"
            << (l.contains(L1("error")) || i.contains(L1("error")) ? " (errors: see log)" : "") << '\n';
    }
    out.flush();
    return ok ? 0 : 1;
}

bool parseNumber(const QCommandLineParser &p, const QCommandLineOption &o, double min, double max, double *out)
{
    bool ok = false;
    const double v = p.value(o).toDouble(&ok);
    if (!ok || v < min || v > max) {
        QTextStream(stderr) << "optiverse-collab-bench: --" << o.names().constFirst() << " must be a number in [" << min
                            << ", " << max << "]\n";
        return false;
    }
    *out = v;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("optiverse-collab-bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Load generator and meter for Optiverse collaboration servers (see bench/README.md)."));
    parser.addHelpOption();
    const auto opt = [&](const char *name, const char *help, const char *valueName, const char *def) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help), QString::fromLatin1(valueName),
                             QString::fromLatin1(def));
        parser.addOption(o);
        return o;
    };
    const auto urlO = opt("url", "Server URL (ws://HOST:PORT).", "url", "ws://127.0.0.1:8765");
    const auto sessionsO = opt("sessions", "Sessions under load (0 = no load phase).", "n", "10");
    const auto clientsO = opt("clients", "Clients per session.", "m", "10");
    const auto rateO = opt("rate", "Commands per second per client.", "r", "10");
    const auto durationO = opt("duration", "Measured seconds (0 = no load phase).", "s", "10");
    const auto warmupO = opt("warmup", "Seconds of load before measuring.", "s", "2");
    const auto drainO = opt("drain", "Max seconds to wait for outstanding deliveries.", "s", "3");
    const auto pidO = opt("server-pid", "Server process id (CPU and RSS from /proc).", "pid", "0");
    const auto idleO = opt("idle-connections", "Idle connections for the RSS measurement (needs --server-pid).", "k", "0");
    const auto idlePerO = opt("idle-per-session", "Idle connections per extra session.", "n", "10");
    const auto idleSettleO = opt("idle-settle", "Seconds between the last idle join and the RSS reading.", "s", "1");
    const auto joinO = opt("join-items", "Items in the state for the join measurement (0 = skip).", "n", "0");
    const auto joinRepO = opt("join-repeats", "Fresh joiners measured (median reported).", "n", "3");
    const auto concO = opt("connect-concurrency", "Handshakes in flight at once.", "n", "64");
    const auto timeoutO = opt("connect-timeout", "Seconds allowed for connecting (plus 10-20 ms per client).", "s", "30");
    const auto mdO = opt("markdown", "Also print one Markdown table row with this label.", "label", "");
    const QCommandLineOption noDelayO(QStringLiteral("no-lowdelay"),
                                      QStringLiteral("Leave Nagle on for client sockets (to show its effect)."));
    const QCommandLineOption jsonO(QStringLiteral("json"), QStringLiteral("Print the result as JSON on stdout."));
    parser.addOption(noDelayO);
    parser.addOption(jsonO);
    parser.process(app);

    Options o;
    o.url = QUrl(parser.value(urlO), QUrl::StrictMode);
    if (!o.url.isValid() || o.url.scheme() != L1("ws") || o.url.host().isEmpty()) {
        QTextStream(stderr) << "optiverse-collab-bench: --url must be ws://HOST:PORT\n";
        return 2;
    }
    double v = 0;
    const auto intOpt = [&](const QCommandLineOption &op, double min, double max, int *out) {
        if (!parseNumber(parser, op, min, max, &v))
            return false;
        *out = int(v);
        return true;
    };
    double pid = 0;
    if (!intOpt(sessionsO, 0, 1000, &o.sessions) || !intOpt(clientsO, 0, 1000, &o.clients)
        || !parseNumber(parser, rateO, 0.01, 10000, &o.rate) || !parseNumber(parser, durationO, 0, 600, &o.duration)
        || !parseNumber(parser, warmupO, 0, 600, &o.warmup) || !parseNumber(parser, drainO, 0, 600, &o.drain)
        || !parseNumber(parser, pidO, 0, 1e9, &pid) || !intOpt(idleO, 0, 100000, &o.idle)
        || !intOpt(idlePerO, 1, 100000, &o.idlePerSession) || !parseNumber(parser, idleSettleO, 0, 120, &o.idleSettle) || !intOpt(joinO, 0, 1000000, &o.joinItems)
        || !intOpt(joinRepO, 1, 100, &o.joinRepeats) || !intOpt(concO, 1, 10000, &o.connectConcurrency)
        || !parseNumber(parser, timeoutO, 1, 600, &o.connectTimeout))
        return 2;
    o.serverPid = qint64(pid);
    o.lowDelay = !parser.isSet(noDelayO);
    o.json = parser.isSet(jsonO);
    o.markdownLabel = parser.value(mdO);

    // Watchdog: whatever happens, the run ends.
    const double budgetS = o.warmup + o.duration + o.drain + o.idleSettle + 3 * o.connectTimeout + 0.03 * (o.idle + o.sessions * o.clients)
        + o.joinRepeats * o.connectTimeout + 60;
    QTimer::singleShot(int(budgetS * 1000), [budgetS] {
        std::fprintf(stderr, "optiverse-collab-bench: watchdog: run exceeded %.0f s, exiting\n", budgetS);
        std::fflush(stderr);
        ::_exit(3);
    });

    Bench bench(o);
    return bench.run();
}
