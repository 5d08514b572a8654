// SPDX-License-Identifier: MIT
#pragma once

#include "ItemNamer.h"

#include <QColor>
#include <QDateTime>
#include <QHash>
#include <QDockWidget>
#include <QJsonObject>
#include <QList>
#include <QTimer>
#include <QUuid>

namespace Optiverse {
class IPresenceHost;
class IScene;
} // namespace Optiverse

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QTreeWidget;
class QTreeWidgetItem;

namespace Optiverse::Collab {

class CollabClient;
class HistoryPlayback;

/**
 * Collaboration → Session History…: the session's changes, newest
 * first, grouped by day and by burst (a drag, a restore), each with its
 * user's colour, who, what in words and when; filters by user and item; and
 * Restore this version / Revert this change / Name this version, sent to the
 * server (which applies them for everyone). Selecting an entry outlines the
 * items it touched (hosts with IPresenceHost) and lists how the scene of that
 * version differs from now; Play replays the session from the selected entry
 * (HistoryPlayback).
 *
 * Talks to the server through @p client (not owned; must outlive the panel).
 */
class HistoryPanel : public QDockWidget
{
    Q_OBJECT
public:
    explicit HistoryPanel(CollabClient *client, QWidget *parent = nullptr);

    /// The host's scene (for the differences from now), its presence overlay
    /// (outlines; may be null) and the Play control's engine (may be null: no
    /// Play). Not owned; they must outlive the panel.
    void attach(IScene *scene, IPresenceHost *presence, HistoryPlayback *playback);

    /// Asks the server for the newest page (again); older pages already
    /// shown stay.
    void refresh();
    /// Asks for the page before the oldest change shown ("Show older changes").
    void loadOlder();
    /// Changes per page (at most HistoryRequest::MaxLimit; tests make it small).
    void setPageSize(int changes);
    /// "bob changed Lens 2: focal length 100 mm → 75 mm" for one operation
    /// (as in history:page), items named by @p names.
    static QString describe(const QJsonObject &operation, const ItemNamer &names);
    /// The same without the conflict the server may have marked.
    static QString describeChange(const QJsonObject &operation, const ItemNamer &names);

    /// The key of the panel's outlines in IPresenceHost.
    static QString highlightKey() { return QStringLiteral("optiverse.history.selection"); }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onHistoryMessage(const QJsonObject &message);
    /// A history:page reply: the newest page (@p older false) or the one
    /// before the oldest shown.
    void showHistoryStart(const QJsonObject &start);
    void takePage(const QJsonObject &message, bool older);
    void rebuild();
    /// A warning icon on @p entry when the server marked @p op as a conflict.
    void markConflict(QTreeWidgetItem *entry, const QJsonObject &op) const;
    void send(QJsonObject request);
    QList<qint64> selectedSeqs() const;
    void restoreSelected();
    void revertSelected();
    void nameSelected();
    void updateButtons();
    void onSelection();
    void showDifference(const QJsonObject &sceneMessage);
    void highlight(const QList<QUuid> &items, const QColor &color);
    void play();
    void onPlaybackState();
    void onPlaybackProgress(qint64 seq, int played, int total);
    QList<QWidget *> playWidgets() const;
    /// Says whether the list is live, as of when, or empty for want of a
    /// connection, and enables what needs the server accordingly.
    void updateConnectionState();
    bool connected() const;
    /// @p button enabled when @p enabled and connected; otherwise its tooltip says why not.
    void enableServerButton(QPushButton *button, bool enabled);
    void rebuildNames(const QJsonObject &sceneMessage);

    CollabClient *m_client;
    QComboBox *m_userFilter;
    QLineEdit *m_itemFilter;
    QTreeWidget *m_tree;
    QLabel *m_connection; ///< live, as of when (not connected), or "Connect to see…"
    QDateTime m_lastUpdate; ///< when the last page came from the server
    bool m_everJoined = false;
    QHash<QPushButton *, QString> m_toolTips; ///< the buttons' own tooltips, for when they work
    QLabel *m_status;
    QLabel *m_historyStart = nullptr; ///< where the server's history begins, when it dropped older changes
    QPushButton *m_restore;
    QPushButton *m_revert;
    QPushButton *m_name;
    QList<QJsonObject> m_entries; // newest first
    qint64 m_nextBefore = -1;      // the before_seq of the next older page (-1: none)
    int m_pageSize = 0;
    QPushButton *m_older = nullptr;
    QList<QJsonObject> m_versions;
    QTimer m_refreshTimer;
    IScene *m_scene = nullptr;
    IPresenceHost *m_presence = nullptr;
    HistoryPlayback *m_playback = nullptr;
    ItemNamer m_names;
    qint64 m_namesBaseSeq = -2; // the seq of the scene m_names starts from
    qint64 m_baseSeq = 0;       // the history's first seq - 1
    qint64 m_diffSeq = -1;      // the version whose differences are shown
    QLabel *m_difference;
    QPushButton *m_play;
    QComboBox *m_speed;
    QPushButton *m_stop;
    QPushButton *m_pause;
    QSlider *m_position; ///< which change the replay shows; dragging it seeks
    QLabel *m_playStatus;
};

} // namespace Optiverse::Collab
