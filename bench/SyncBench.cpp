// SPDX-License-Identifier: MIT
// optiverse-sync-bench: the sync engine inside the real host scene.
//
//  (a) join a session of N items (default 10,000, every item type) with
//      ReplaceLocalScene into a HostScene: ms from the sync:full_state frame
//      received to the scene applied (target < 250 ms);
//  (b) a second client sends R remote moves per second (default 1,000) for D s
//      into a HostScene whose QGraphicsView is shown: lateness of a 1 ms timer
//      on the UI thread (p50/p99/max, target p99 < 16 ms) and every move applied;
//  (c) one drag at 120 mouse moves/s for D s: bytes/s and moves/s the dragging
//      client sends (targets < 10 KB/s, ≈ 30 moves/s).
//
// The server and the remote mover of (b) run in a worker thread, so the UI
// thread measured is the receiver's alone. Prints a Markdown table.
#include "CollabClient.h"
#include "CollabServer.h"
#include "HostScene.h"
#include "MessageFactory.h"
#include "OpticalItem.h"
#include "SyncManager.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QThread>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

constexpr char SessionId[] = "bench";

void out(const QString &line)
{
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

void note(const QString &line)
{
    std::fprintf(stderr, "%s\n", qPrintable(line));
}

/// Runs the event loop until @p done or @p timeoutMs; false on timeout.
bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 5);
    }
    return true;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype i = std::min<qsizetype>(values.size() - 1, qsizetype(p * double(values.size())));
    return values.at(i);
}

/// Realistic items: every known type with its parameters, spread over a table.
QList<StateItem> makeItems(int count)
{
    QRandomGenerator rng(42);
    const QStringList types = OpticalItem::knownTypes();
    QList<StateItem> items;
    items.reserve(count);
    for (int i = 0; i < count; ++i) {
        const QString type = types.at(i % types.size());
        QJsonObject data = OpticalItem::defaultData(type);
        data.insert(QLatin1String(kXmm), double(rng.bounded(8000) - 4000) / 4.0);
        data.insert(QLatin1String(kYmm), double(rng.bounded(4000) - 2000) / 4.0);
        data.insert(QLatin1String(kAngleDeg), double(rng.bounded(360)));
        if (type == QLatin1String("text"))
            data.insert(QStringLiteral("text"), QStringLiteral("Item %1").arg(i));
        const QUuid uuid(quint32(i + 1), 0x5e0d, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0);
        items.append({uuid.toString(QUuid::WithoutBraces), type, data});
    }
    return items;
}

/// The server (and the remote mover of scenario b) live in this thread.
class ServerThread
{
public:
    explicit ServerThread(const ServerConfig &config)
    {
        m_thread.start();
        run([this, config] {
            m_server = new CollabServer(config);
            QString error;
            if (!m_server->listen(QHostAddress::LocalHost, 0, &error))
                note(QStringLiteral("server: %1").arg(error));
            m_port = m_server->port();
        });
    }
    ~ServerThread()
    {
        run([this] {
            delete m_server;
            m_context->deleteLater();
        });
        m_thread.quit();
        m_thread.wait();
    }
    /// Runs @p f in the worker thread and waits for it.
    void run(const std::function<void()> &f)
    {
        QMetaObject::invokeMethod(m_context, f, Qt::BlockingQueuedConnection);
    }
    QObject *context() const { return m_context; }
    QThread *thread() { return &m_thread; }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }

private:
    QThread m_thread;
    QObject *m_context = [this] {
        auto *o = new QObject;
        o->moveToThread(&m_thread);
        return o;
    }();
    CollabServer *m_server = nullptr;
    quint16 m_port = 0;
};

/// One participant on the UI thread: the host stub's scene, client, sync.
struct Participant
{
    HostScene scene;
    CollabClient client;
    SyncManager sync{&scene, &client};

    bool join(const QUrl &url, const QString &name, SyncManager::JoinMode mode, int timeoutMs = 30000)
    {
        sync.setJoinMode(mode);
        client.connectToServer(url, QLatin1String(SessionId), name);
        return waitFor([this] { return sync.isSynchronized(); }, timeoutMs);
    }
};

/// Loads the session with @p items by a host push (a raw client on the UI thread).
bool loadSession(const QUrl &url, const QList<StateItem> &items)
{
    CollabClient loader;
    bool caughtUp = false;
    QObject::connect(&loader, &CollabClient::messageReceived, [&caughtUp](const Message &m) {
        caughtUp = caughtUp || m.type() == Message::Type::SyncCaughtUp;
    });
    QObject::connect(&loader, &CollabClient::joined, [&] { loader.send(MessageFactory::fullState(items, -1)); });
    loader.connectToServer(url, QLatin1String(SessionId), QStringLiteral("loader"));
    const bool ok = waitFor([&] { return caughtUp; }, 60000);
    loader.disconnectFromServer();
    return ok;
}

struct JoinResult
{
    double receivedToApplied = -1; // frame received -> scene applied
    double parse = -1;             // frame received -> message parsed
    double requestToApplied = -1;  // ack (sync:request sent) -> scene applied
    int items = 0;
};

JoinResult measureJoin(const QUrl &url, int expected)
{
    JoinResult r;
    QElapsedTimer clock;
    clock.start();
    qint64 ackNs = -1, frameNs = -1, parsedNs = -1, appliedNs = -1;
    HostScene scene;
    CollabClient client;
    // Connected before SyncManager's own connections, so these run first.
    QObject::connect(&client, &CollabClient::joined, [&] {
        ackNs = clock.nsecsElapsed();
        if (auto *ws = client.findChild<QWebSocket *>())
            QObject::connect(ws, &QWebSocket::textFrameReceived, [&](const QString &, bool last) {
                if (last)
                    frameNs = clock.nsecsElapsed(); // the last frame of each message: keep the latest
            });
    });
    QObject::connect(&client, &CollabClient::messageReceived, [&](const Message &m) {
        if (m.type() == Message::Type::SyncFullState)
            parsedNs = clock.nsecsElapsed();
    });
    SyncManager sync(&scene, &client);
    QObject::connect(&sync, &SyncManager::synchronized, [&] { appliedNs = clock.nsecsElapsed(); });
    sync.setJoinMode(SyncManager::JoinMode::ReplaceLocalScene);
    client.connectToServer(url, QLatin1String(SessionId), QStringLiteral("joiner"));
    if (!waitFor([&] { return appliedNs >= 0; }, 60000))
        return r;
    r.items = scene.count();
    r.receivedToApplied = double(appliedNs - frameNs) / 1e6;
    r.parse = double(parsedNs - frameNs) / 1e6;
    r.requestToApplied = double(appliedNs - ackNs) / 1e6;
    if (r.items != expected)
        note(QStringLiteral("join: %1 items applied, %2 expected").arg(r.items).arg(expected));
    client.disconnectFromServer();
    return r;
}

/// Counts the paints of a widget (to show the view really redraws).
class PaintCounter : public QObject
{
public:
    int paints = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        paints += event->type() == QEvent::Paint;
        return QObject::eventFilter(watched, event);
    }
};

/// Lateness of a 1 ms single-shot timer re-armed on every expiry.
class LatenessProbe : public QObject
{
public:
    void start()
    {
        m_samples.clear();
        m_clock.start();
        arm();
    }
    void stop() { m_running = false; }
    const QList<double> &samples() const { return m_samples; }

private:
    void arm()
    {
        m_running = true;
        m_due = m_clock.nsecsElapsed() + 1000000;
        QTimer::singleShot(1, Qt::PreciseTimer, this, [this] {
            if (!m_running)
                return;
            m_samples.append(std::max<double>(0, double(m_clock.nsecsElapsed() - m_due) / 1e6));
            arm();
        });
    }
    QElapsedTimer m_clock;
    qint64 m_due = 0;
    bool m_running = false;
    QList<double> m_samples;
};

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Sync engine benchmark in the host stub's scene"));
    parser.addHelpOption();
    QCommandLineOption itemsOpt(QStringLiteral("items"), QStringLiteral("Items in the joined session (10000)."),
                                QStringLiteral("N"), QStringLiteral("10000"));
    QCommandLineOption repeatsOpt(QStringLiteral("join-repeats"), QStringLiteral("Joins measured (3)."),
                                  QStringLiteral("N"), QStringLiteral("3"));
    QCommandLineOption rateOpt(QStringLiteral("move-rate"), QStringLiteral("Remote moves per second (1000)."),
                               QStringLiteral("R"), QStringLiteral("1000"));
    QCommandLineOption durationOpt(QStringLiteral("duration"), QStringLiteral("Seconds of scenarios b and c (10)."),
                                   QStringLiteral("S"), QStringLiteral("10"));
    QCommandLineOption mouseOpt(QStringLiteral("mouse-rate"), QStringLiteral("Mouse moves per second of the drag (120)."),
                                QStringLiteral("R"), QStringLiteral("120"));
    QCommandLineOption onlyOpt(QStringLiteral("scenarios"), QStringLiteral("Which scenarios to run (abc)."),
                               QStringLiteral("LETTERS"), QStringLiteral("abc"));
    parser.addOptions({itemsOpt, repeatsOpt, rateOpt, durationOpt, mouseOpt, onlyOpt});
    parser.process(app);
    const int itemCount = parser.value(itemsOpt).toInt();
    const int repeats = std::max(1, parser.value(repeatsOpt).toInt());
    const int moveRate = std::max(1, parser.value(rateOpt).toInt());
    const int durationS = std::max(1, parser.value(durationOpt).toInt());
    const int mouseRate = std::max(1, parser.value(mouseOpt).toInt());
    const QString only = parser.value(onlyOpt);

    QStringList rows;
    bool allMet = true;
    const auto row = [&](const QString &scenario, const QString &figure, const QString &value, const QString &target,
                         bool met) {
        allMet = allMet && met;
        rows.append(QStringLiteral("| %1 | %2 | %3 | %4 | %5 |")
                        .arg(scenario, figure, value, target, met ? QStringLiteral("met") : QStringLiteral("**missed**")));
    };

    // ---- (a) join a large session ------------------------------------------
    if (only.contains(QLatin1Char('a'))) {
        ServerConfig config; // default limits: the host's push is within maxStateBytes
        ServerThread server(config);
        const QList<StateItem> items = makeItems(itemCount);
        if (!loadSession(server.url(), items)) {
            note(QStringLiteral("could not load the session"));
            return 1;
        }
        QList<double> applied, parse, request;
        int got = 0;
        for (int i = 0; i < repeats; ++i) {
            const JoinResult r = measureJoin(server.url(), itemCount);
            if (r.receivedToApplied < 0) {
                note(QStringLiteral("join %1 did not finish").arg(i));
                return 1;
            }
            note(QStringLiteral("join %1: received->applied %2 ms (parse %3 ms), request->applied %4 ms, %5 items")
                     .arg(i).arg(r.receivedToApplied, 0, 'f', 1).arg(r.parse, 0, 'f', 1)
                     .arg(r.requestToApplied, 0, 'f', 1).arg(r.items));
            applied.append(r.receivedToApplied);
            parse.append(r.parse);
            request.append(r.requestToApplied);
            got = r.items;
        }
        const double median = percentile(applied, 0.5);
        const QString label = QStringLiteral("(a) join %1 items").arg(itemCount);
        row(label, QStringLiteral("full_state received → applied (median of %1)").arg(repeats),
            QStringLiteral("%1 ms (parse %2 ms)").arg(median, 0, 'f', 1).arg(percentile(parse, 0.5), 0, 'f', 1),
            QStringLiteral("< 250 ms"), median < 250);
        row(label, QStringLiteral("sync:request → applied (median)"),
            QStringLiteral("%1 ms").arg(percentile(request, 0.5), 0, 'f', 1), QStringLiteral("–"), true);
        row(label, QStringLiteral("items in the scene"), QString::number(got), QString::number(itemCount),
            got == itemCount);
    }

    // ---- (b) remote moves into a shown view -----------------------------------
    if (only.contains(QLatin1Char('b'))) {
        ServerConfig config;
        config.maxMessagesPerSecond = 4 * moveRate; // one client sends them all
        config.burst = 4 * moveRate;
        ServerThread server(config);
        constexpr int MovedItems = 100;
        const QList<StateItem> items = makeItems(MovedItems);
        if (!loadSession(server.url(), items))
            return 1;
        Participant receiver;
        QGraphicsView view(receiver.scene.graphicsScene());
        view.resize(1280, 800);
        view.show();
        if (!receiver.join(server.url(), QStringLiteral("receiver"), SyncManager::JoinMode::ReplaceLocalScene))
            return 1;
        view.fitInView(receiver.scene.graphicsScene()->itemsBoundingRect(), Qt::KeepAspectRatio);
        PaintCounter paints;
        view.viewport()->installEventFilter(&paints);

        // The mover: a raw client in the server's thread, paced by a 1 ms timer.
        const int total = moveRate * durationS;
        CollabClient *mover = nullptr;
        QTimer *pacer = nullptr;
        std::atomic<int> sent{0};
        std::atomic<bool> moverReady{false};
        server.run([&] {
            mover = new CollabClient;
            QObject::connect(mover, &CollabClient::joined, [&] { moverReady = true; });
            mover->connectToServer(server.url(), QLatin1String(SessionId), QStringLiteral("mover"));
        });
        if (!waitFor([&] { return moverReady.load(); }, 10000))
            return 1;
        const quint64 appliedBefore = receiver.sync.remoteCommandsApplied();
        LatenessProbe probe;
        probe.start();
        server.run([&] {
            pacer = new QTimer;
            pacer->setTimerType(Qt::PreciseTimer);
            pacer->setInterval(1);
            auto *clock = new QElapsedTimer;
            clock->start();
            QObject::connect(pacer, &QTimer::timeout, [&, clock] {
                // Send what the schedule says is due: k at k/R s.
                const int due = std::min<qint64>(total, clock->nsecsElapsed() * moveRate / 1000000000 + 1);
                while (sent < due) {
                    const int k = sent++;
                    const StateItem &item = items.at(k % MovedItems);
                    Command c;
                    c.action = Command::Action::Move;
                    c.itemId = item.id;
                    c.itemType = item.type;
                    c.data = QJsonObject{{QLatin1String(kXmm), item.data.value(QLatin1String(kXmm)).toDouble() + (k / MovedItems) % 100},
                                         {QLatin1String(kYmm), item.data.value(QLatin1String(kYmm)).toDouble()},
                                         {QLatin1String(kAngleDeg), double(k % 360)}};
                    mover->send(MessageFactory::toBytes(MessageFactory::command(mover->userId(), c)));
                }
                if (sent >= total) {
                    pacer->stop();
                    delete clock;
                }
            });
            pacer->start();
        });
        QElapsedTimer window;
        window.start();
        const bool allApplied = waitFor([&] { return receiver.sync.remoteCommandsApplied() - appliedBefore >= quint64(total); },
                                        durationS * 1000 + 30000);
        const double seconds = double(window.elapsed()) / 1000.0;
        probe.stop();
        server.run([&] {
            delete pacer;
            mover->disconnectFromServer();
            delete mover;
        });
        const quint64 applied = receiver.sync.remoteCommandsApplied() - appliedBefore;
        const QList<double> &late = probe.samples();
        const QString label = QStringLiteral("(b) %1 remote moves/s × %2 s, view shown").arg(moveRate).arg(durationS);
        row(label, QStringLiteral("moves applied"),
            QStringLiteral("%1 / %2 in %3 s (%4 repaints of the view)").arg(applied).arg(total).arg(seconds, 0, 'f', 1).arg(paints.paints),
            QStringLiteral("all"), allApplied && applied == quint64(total));
        row(label, QStringLiteral("UI 1 ms timer lateness p50 / p99 / max"),
            QStringLiteral("%1 / %2 / %3 ms (%4 samples)")
                .arg(percentile(late, 0.5), 0, 'f', 2).arg(percentile(late, 0.99), 0, 'f', 2)
                .arg(percentile(late, 1.0), 0, 'f', 1).arg(late.size()),
            QStringLiteral("p99 < 16 ms"), percentile(late, 0.99) < 16);
    }

    // ---- (c) one continuous drag ---------------------------------------------
    if (only.contains(QLatin1Char('c'))) {
        ServerThread server(ServerConfig{});
        const QList<StateItem> items = makeItems(10);
        if (!loadSession(server.url(), items))
            return 1;
        Participant dragger, watcher;
        if (!dragger.join(server.url(), QStringLiteral("dragger"), SyncManager::JoinMode::ReplaceLocalScene)
            || !watcher.join(server.url(), QStringLiteral("watcher"), SyncManager::JoinMode::ReplaceLocalScene))
            return 1;
        OpticalItem *item = dragger.scene.findItem(QUuid::fromString(items.at(1).id));
        auto *socket = dragger.client.findChild<QWebSocket *>();
        if (!item || !socket)
            return 1;
        qint64 bytes = 0;
        QObject::connect(socket, &QWebSocket::bytesWritten, [&bytes](qint64 n) { bytes += n; });
        const quint64 commandsBefore = dragger.sync.commandsSent();
        const int moves = mouseRate * durationS;
        int done = 0;
        QTimer mouse;
        mouse.setTimerType(Qt::PreciseTimer);
        QElapsedTimer clock;
        const QPointF start = item->pos();
        QObject::connect(&mouse, &QTimer::timeout, [&] {
            // What QGraphicsItem does on a mouse move: setPos, reported by itemChange.
            const int due = std::min<qint64>(moves, clock.nsecsElapsed() * mouseRate / 1000000000 + 1);
            for (; done < due; ++done)
                item->setPos(start + QPointF(done * 0.25, 20 * std::sin(done / 20.0)));
            if (done >= moves)
                mouse.stop();
        });
        clock.start();
        mouse.start(1);
        waitFor([&] { return !mouse.isActive(); }, durationS * 1000 + 10000);
        const double seconds = double(clock.nsecsElapsed()) / 1e9;
        // The release: one final move, the drag's undo entry.
        QGraphicsSceneMouseEvent release(QEvent::GraphicsSceneMouseRelease);
        release.setButtons(Qt::NoButton);
        QCoreApplication::sendEvent(dragger.scene.graphicsScene(), &release);
        const QUuid uuid = item->uuid();
        const QJsonObject finalPose{{QLatin1String(kXmm), item->pos().x()}, {QLatin1String(kYmm), item->pos().y()}};
        const bool arrived = waitFor([&] {
            const QJsonObject d = watcher.scene.item(uuid).data;
            return d.value(QLatin1String(kXmm)) == finalPose.value(QLatin1String(kXmm))
                && d.value(QLatin1String(kYmm)) == finalPose.value(QLatin1String(kYmm));
        }, 5000);
        const quint64 commands = dragger.sync.commandsSent() - commandsBefore;
        const QString label = QStringLiteral("(c) drag at %1 mouse moves/s × %2 s").arg(mouseRate).arg(durationS);
        const double bytesPerS = double(bytes) / seconds, movesPerS = double(commands) / seconds;
        row(label, QStringLiteral("bytes/s sent by the dragging client"),
            QStringLiteral("%1 B/s (%2 moves/s)").arg(bytesPerS, 0, 'f', 0).arg(movesPerS, 0, 'f', 1),
            QStringLiteral("< 10 KB/s, ≈ 30 moves/s"), bytesPerS < 10000 && movesPerS < 40);
        row(label, QStringLiteral("final pose at the other client"), arrived ? QStringLiteral("exact") : QStringLiteral("wrong"),
            QStringLiteral("exact"), arrived);
    }

    out(QStringLiteral("| Scenario | Figure | Value | Target | |"));
    out(QStringLiteral("|---|---|---|---|---|"));
    for (const QString &r : std::as_const(rows))
        out(r);
    return allMet ? 0 : 1;
}
