// SPDX-License-Identifier: MIT
#include "HistoryPlayback.h"

#include "CollabClient.h"
#include "HistoryRequest.h"
#include "MessageFactory.h"
#include "SyncManager.h"

#include <QJsonArray>
#include <algorithm>
#include <QLoggingCategory>
#include <QMainWindow>
#include <QMenuBar>
#include <QPointer>
#include <QToolBar>

Q_LOGGING_CATEGORY(lcPlayback, "optiverse.collab.history.play", QtInfoMsg)

namespace Optiverse::Collab {

namespace {
const QString kPageId = QStringLiteral("history-play-page");
const QString kStartId = QStringLiteral("history-play-start");
const QString kLiveId = QStringLiteral("history-play-live");
constexpr int PageLimit = HistoryRequest::MaxLimit;

} // namespace

HistoryPlayback::HistoryPlayback(CollabClient *client, SyncManager *sync, IScene *scene, ISceneKeys *keys,
                                 std::function<void(bool)> lockEditing, QObject *parent)
    : QObject(parent), m_client(client), m_sync(sync), m_scene(scene), m_keys(keys),
      m_lockEditing(std::move(lockEditing))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HistoryPlayback::playNext);
    m_loadTimeout.setSingleShot(true);
    m_loadTimeout.setInterval(LoadTimeoutMs);
    connect(&m_loadTimeout, &QTimer::timeout, this, [this] {
        if (m_state == State::Loading)
            fail(tr("The server did not send the history in time."));
        else if (m_state == State::Returning) // keep trying: the live scene is what matters
            requestScene(m_sync->lastSeq(), kLiveId);
    });
    connect(m_client, &CollabClient::historyMessage, this, &HistoryPlayback::onHistoryMessage);
    // Live commands keep reaching the SyncManager; the replay keeps its picture.
    connect(m_sync, &SyncManager::remoteCommandApplied, this, [this](const QString &, const Command &c) {
        if (m_state == State::Playing || m_state == State::Paused)
            reassert(c.itemId);
    });
    connect(m_sync, &SyncManager::synchronized, this, [this] {
        if ((m_state == State::Playing || m_state == State::Paused) && m_player)
            m_player->showScene(m_player->shown());
    });
    connect(m_client, &CollabClient::stateChanged, this, [this] {
        // Without a connection the server cannot give the live scene back:
        // stop now; the SyncManager resyncs the scene when it rejoins.
        if (m_client->state() != CollabClient::State::Connected && m_state != State::Idle) {
            m_timer.stop();
            m_loadTimeout.stop();
            m_player.reset();
            if (m_lockEditing)
                m_lockEditing(false);
            setState(State::Idle);
        }
    });
}

std::function<void(bool)> HistoryPlayback::mainWindowLock(QMainWindow *window)
{
    return [w = QPointer<QMainWindow>(window)](bool locked) {
        if (!w)
            return;
        if (QWidget *canvas = w->centralWidget())
            canvas->setEnabled(!locked);
        if (QWidget *menus = w->menuWidget())
            menus->setEnabled(!locked);
        for (QToolBar *bar : w->findChildren<QToolBar *>())
            bar->setEnabled(!locked);
    };
}

HistoryPlayback::~HistoryPlayback()
{
    if (m_state != State::Idle && m_lockEditing)
        m_lockEditing(false);
}

const HistoryOperation *HistoryPlayback::current() const
{
    return m_next > 0 && m_next <= m_operations.size() ? &m_operations.at(m_next - 1) : nullptr;
}

void HistoryPlayback::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void HistoryPlayback::play(qint64 fromSeq, int speed)
{
    if (m_state != State::Idle || m_client->state() != CollabClient::State::Connected)
        return;
    m_speed = qMax(1, speed);
    m_fromSeq = fromSeq;
    m_start.reset();
    m_pagesDone = false;
    m_operations.clear();
    m_next = 0;
    setState(State::Loading);
    m_loadTimeout.start();
    requestScene(fromSeq, kStartId);
    requestPage(-1);
}

void HistoryPlayback::stop()
{
    if (m_state == State::Idle || m_state == State::Returning)
        return;
    m_timer.stop();
    setState(State::Returning);
    m_loadTimeout.start();
    requestScene(m_sync->lastSeq(), kLiveId);
}

void HistoryPlayback::pause()
{
    if (m_state != State::Playing)
        return;
    m_timer.stop();
    setState(State::Paused);
}

void HistoryPlayback::resume()
{
    if (m_state != State::Paused)
        return;
    setState(State::Playing);
    m_timer.start(0);
}

void HistoryPlayback::seek(int index)
{
    if ((m_state != State::Playing && m_state != State::Paused) || !m_player || !m_start)
        return;
    index = qBound(0, index, int(m_operations.size()));
    // The whole history from the start is in memory: rebuild the scene there
    // and let the player show what differs from what it shows now.
    HistoryScene target = *m_start;
    for (int i = 0; i < index; ++i)
        m_operations.at(i).apply(&target);
    QString why;
    m_player->showScene(target, &why);
    if (!why.isEmpty())
        qCWarning(lcPlayback).noquote() << "the host refused" << why;
    m_next = index;
    m_shownSeq = index == 0 ? m_fromSeq : m_operations.at(index - 1).seq;
    emit progressed(m_shownSeq, m_next, int(m_operations.size()));
    if (m_state == State::Playing)
        m_timer.start(int(IdleGapMs / m_speed));
}

void HistoryPlayback::requestPage(qint64 beforeSeq)
{
    HistoryRequest r;
    r.kind = HistoryRequest::Kind::Page;
    r.limit = PageLimit;
    r.beforeSeq = beforeSeq;
    r.requestId = kPageId;
    m_client->send(MessageFactory::toBytes(r.toJson()));
}

void HistoryPlayback::requestScene(qint64 seq, const QString &purpose)
{
    HistoryRequest r;
    r.kind = HistoryRequest::Kind::SceneAt;
    r.seq = qMax<qint64>(0, seq);
    r.requestId = purpose;
    m_client->send(MessageFactory::toBytes(r.toJson()));
}

void HistoryPlayback::onHistoryMessage(const QJsonObject &message)
{
    const QString id = message.value(QLatin1String("request_id")).toString();
    const QString type = message.value(QLatin1String("type")).toString();
    if (m_state == State::Loading && id == kStartId && type == Protocol::TypeHistoryScene) {
        HistoryScene scene;
        if (!readHistoryScene(message, &scene))
            return fail(tr("The server sent a scene that could not be read."));
        m_start = std::move(scene);
        startIfLoaded();
    } else if (m_state == State::Loading && id == kPageId && type == Protocol::TypeHistoryPage) {
        // Pages come newest first: collect until the page reaches the start.
        QList<HistoryOperation> page;
        bool reached = false;
        for (const QJsonValue &v : message.value(QLatin1String("entries")).toArray()) {
            HistoryOperation op;
            QString why;
            if (!HistoryOperation::fromJson(v.toObject(), &op, &why))
                return fail(tr("The server sent a change that could not be read (%1).").arg(why));
            if (op.seq <= m_fromSeq) {
                reached = true;
                break;
            }
            // A state push of thousands of items comes cut to 50: not playable exactly.
            if (op.changes.size() < v.toObject().value(QLatin1String("changes_total")).toInteger(0))
                return fail(tr("Change %1 is too large to play.").arg(op.seq));
            page.append(op);
        }
        std::reverse(page.begin(), page.end());
        m_operations = page + m_operations;
        const qint64 next = message.value(QLatin1String("next_before_seq")).toInteger(-1);
        if (reached || next < 0)
            m_pagesDone = true;
        else
            requestPage(next);
        startIfLoaded();
    } else if (m_state == State::Returning && id == kLiveId && type == Protocol::TypeHistoryScene) {
        finishReturn(message);
    }
}

void HistoryPlayback::startIfLoaded()
{
    if (!m_start || !m_pagesDone)
        return;
    m_loadTimeout.stop();
    if (m_lockEditing)
        m_lockEditing(true);
    m_player.emplace(m_scene, m_keys);
    QString why;
    m_player->showScene(*m_start, &why);
    if (!why.isEmpty())
        qCWarning(lcPlayback).noquote() << "the host refused" << why;
    m_shownSeq = m_fromSeq;
    setState(State::Playing);
    emit progressed(m_shownSeq, 0, int(m_operations.size()));
    m_timer.start(int(300 / m_speed));
}

void HistoryPlayback::playNext()
{
    if (m_state != State::Playing || !m_player)
        return;
    if (m_next >= m_operations.size()) {
        stop(); // the end: back to the live scene
        return;
    }
    const HistoryOperation &op = m_operations.at(m_next++);
    QString why;
    m_player->applyOperation(op, &why);
    m_shownSeq = op.seq;
    emit progressed(op.seq, m_next, int(m_operations.size()));
    if (m_next < m_operations.size()) {
        // Real time, divided by the speed; idle gaps shortened.
        const qint64 gap = qBound<qint64>(0, m_operations.at(m_next).timeMs - op.timeMs, IdleGapMs);
        m_timer.start(int(gap / m_speed));
    } else {
        m_timer.start(int(IdleGapMs / m_speed)); // a moment on the last change
    }
}

void HistoryPlayback::reassert(const QString &itemId)
{
    if (!m_player)
        return;
    QString why;
    if (!m_player->reshowItem(itemId, &why))
        qCDebug(lcPlayback).noquote() << "could not keep the replay's" << itemId << ":" << why;
}

void HistoryPlayback::finishReturn(const QJsonObject &message)
{
    // More live commands arrived after we asked: ask for the newer scene.
    const qint64 seq = message.value(QLatin1String("seq")).toInteger(-1);
    if (m_sync->lastSeq() > seq) {
        requestScene(m_sync->lastSeq(), kLiveId);
        return;
    }
    HistoryScene live;
    if (!readHistoryScene(message, &live)) {
        requestScene(m_sync->lastSeq(), kLiveId);
        return;
    }
    m_loadTimeout.stop();
    RecordingPlayer player(m_scene, m_keys);
    QString why;
    player.showScene(live, &why);
    if (!why.isEmpty())
        qCWarning(lcPlayback).noquote() << "returning to the live scene, the host refused" << why;
    m_player.reset();
    m_shownSeq = -1;
    if (m_lockEditing)
        m_lockEditing(false);
    setState(State::Idle);
}

void HistoryPlayback::fail(const QString &why)
{
    m_timer.stop();
    m_loadTimeout.stop();
    const bool wasPlaying = m_state == State::Playing || m_state == State::Paused;
    setState(State::Idle);
    emit failed(why);
    if (wasPlaying) { // the scene shows the past: go back to the live one
        setState(State::Returning);
        requestScene(m_sync->lastSeq(), kLiveId);
    }
}

} // namespace Optiverse::Collab
