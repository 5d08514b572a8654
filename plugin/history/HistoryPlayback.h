// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"
#include "RecordingPlayer.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

class QMainWindow;

namespace Optiverse {
class IScene;
class ISceneKeys;
} // namespace Optiverse

namespace Optiverse::Collab {

class CollabClient;
class SyncManager;

/**
 * The History panel's Play control: replays the session from any
 * seq into the host's scene at 1×, 4× or 16× (pauses longer than a second
 * shortened to one), then goes back to the live scene.
 *
 * The live session is never disturbed:
 * - the played changes go into the scene as Remote changes, which the
 *   SyncManager never sends;
 * - live commands still reach the SyncManager, which keeps its copy of the
 *   session's state (and the scene's item) up to date; the player then puts
 *   that item back as the replay shows it, in the same event, so nothing of
 *   the live session shows through (a resync after a reconnect likewise);
 * - the host's editing is locked (@p lockEditing) while playing, so nobody
 *   edits a past scene by mistake;
 * - Pause holds the replay, and any point of it can be shown (seek) from
 *   the history held in memory, forwards or back;
 * - Stop (or the end) asks the server for the scene at the last seq the
 *   SyncManager applied and shows it, asking again if more arrived meanwhile:
 *   the live scene as everyone has it.
 *
 * Not owned: client, sync, scene, keys; they must outlive the playback.
 */
class HistoryPlayback : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Loading, Playing, Paused, Returning };
    Q_ENUM(State)

    HistoryPlayback(CollabClient *client, SyncManager *sync, IScene *scene, ISceneKeys *keys,
                    std::function<void(bool locked)> lockEditing, QObject *parent = nullptr);
    ~HistoryPlayback() override;

    /// Plays from the version at @p fromSeq (the scene after it) to the
    /// newest change, @p speed times as fast as it happened (1, 4 or 16).
    void play(qint64 fromSeq, int speed);
    /// Stops and returns to the live scene.
    void stop();
    /// Holds the replay where it is (the scene keeps showing it, editing
    /// stays locked) / goes on from there.
    void pause();
    void resume();
    /// Shows the scene right after the played change at @p index (0: the
    /// starting version, operationCount(): the newest change), whether
    /// playing or paused; playing goes on from there.
    void seek(int index);
    /// How many changes the replay has, once loaded; how many are shown.
    int operationCount() const { return int(m_operations.size()); }
    int playedCount() const { return m_next; }
    void setSpeed(int speed) { m_speed = qMax(1, speed); }
    State state() const { return m_state; }
    /// The seq the scene shows while playing (-1 otherwise).
    qint64 shownSeq() const { return m_state == State::Playing || m_state == State::Paused ? m_shownSeq : -1; }
    /// The operation played last (null before the first).
    const HistoryOperation *current() const;

    /// The editing lock of a QMainWindow host: its canvas (central widget),
    /// menu bar and tool bars disabled while @p locked; docks stay usable.
    static std::function<void(bool)> mainWindowLock(QMainWindow *window);

    static constexpr qint64 IdleGapMs = 1000; ///< longer pauses are shortened to this
    static constexpr int LoadTimeoutMs = 15000;

signals:
    void stateChanged(Optiverse::Collab::HistoryPlayback::State state);
    /// An operation was played (the scene now shows @p seq).
    void progressed(qint64 seq, int played, int total);
    /// Playback could not start or go on (the reason, in words).
    void failed(const QString &why);

private:
    void setState(State state);
    void onHistoryMessage(const QJsonObject &message);
    void requestPage(qint64 beforeSeq);
    void requestScene(qint64 seq, const QString &purpose);
    void startIfLoaded();
    void playNext();
    void reassert(const QString &itemId);
    void finishReturn(const QJsonObject &scene);
    void fail(const QString &why);

    CollabClient *m_client;
    SyncManager *m_sync;
    IScene *m_scene;
    ISceneKeys *m_keys;
    std::function<void(bool)> m_lockEditing;
    State m_state = State::Idle;
    int m_speed = 1;
    qint64 m_fromSeq = -1;
    qint64 m_shownSeq = -1;
    std::optional<HistoryScene> m_start;
    bool m_pagesDone = false;
    QList<HistoryOperation> m_operations; // ascending
    int m_next = 0;
    std::optional<RecordingPlayer> m_player;
    QTimer m_timer;
    QTimer m_loadTimeout;
};

} // namespace Optiverse::Collab
