// SPDX-License-Identifier: MIT
#pragma once

#include <QDockWidget>
#include <QJsonObject>
#include <QList>
#include <QTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace Optiverse::Collab {

class CollabClient;

/**
 * Collaboration → Session History… (issue 13): the session's changes, newest
 * first, grouped by day and by burst (a drag, a restore), each with its
 * user's colour, who, what in words and when; filters by user and item; and
 * Restore this version / Revert this change / Name this version, sent to the
 * server (which applies them for everyone).
 *
 * Talks to the server through @p client (not owned; must outlive the panel).
 */
class HistoryPanel : public QDockWidget
{
    Q_OBJECT
public:
    explicit HistoryPanel(CollabClient *client, QWidget *parent = nullptr);

    /// Asks the server for the newest page (again).
    void refresh();
    /// "bob changed Lens 2: focal_length 100 → 75" for one operation (as in history:page).
    static QString describe(const QJsonObject &operation);

private:
    void onHistoryMessage(const QJsonObject &message);
    void rebuild();
    void send(QJsonObject request);
    QList<qint64> selectedSeqs() const;
    void restoreSelected();
    void revertSelected();
    void nameSelected();
    void updateButtons();

    CollabClient *m_client;
    QComboBox *m_userFilter;
    QLineEdit *m_itemFilter;
    QTreeWidget *m_tree;
    QLabel *m_status;
    QPushButton *m_restore;
    QPushButton *m_revert;
    QPushButton *m_name;
    QList<QJsonObject> m_entries; // newest first
    QList<QJsonObject> m_versions;
    QTimer m_refreshTimer;
};

} // namespace Optiverse::Collab
