// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <QString>

namespace Optiverse {
class IScene;
class ISceneKeys;
} // namespace Optiverse

namespace Optiverse::Collab {

class Recording;

/**
 * Plays a session's history into a host's scene as Remote changes (never on
 * the host's undo stack): a recording file (--collab-replay), or the History
 * panel's Play control. It tracks what the scene shows, so each operation
 * touches only the items it changed. Not owned: the scene and its keys
 * (optional, contract 1.1: without it a deleted key re-creates the item).
 */
class RecordingPlayer
{
public:
    RecordingPlayer(IScene *scene, ISceneKeys *keys);

    /// Makes the scene show exactly @p target. Returns the number of items the
    /// host refused (0 when all is shown); @p error gets the first reason.
    int showScene(const HistoryScene &target, QString *error = nullptr);
    /// Applies @p operation on top of the scene shown last.
    int applyOperation(const HistoryOperation &operation, QString *error = nullptr);
    /// Puts item @p id back as the player last showed it, after something
    /// else (a live command during the History panel's Play) changed it.
    bool reshowItem(const QString &id, QString *error = nullptr);
    /// What the player last made the scene show.
    const HistoryScene &shown() const { return m_shown; }

    /// --collab-replay: reads and checks @p path whole, then plays its
    /// operations up to @p untilSeq (-1: all) as fast as possible. False with
    /// @p error (nothing applied) when the file is unreadable or invalid.
    bool replayFile(const QString &path, qint64 untilSeq, qint64 *lastSeq, QString *error);

private:
    /// Makes the scene's item @p id equal @p target (nullptr: absent).
    bool showItem(const QString &id, const StateItem *target, QString *error);

    IScene *m_scene;
    ISceneKeys *m_keys;
    HistoryScene m_shown;
};

} // namespace Optiverse::Collab
